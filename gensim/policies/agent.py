"""`PolicyAgent`: a trained policy behind the episode loop's `act(obs, info)` protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gensim.policies.geometry import action_from_prediction


class PolicyAgent:
    """Acts with a `TransporterPolicy`: argmax pick and place, turned into `{pose0, pose1}`."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy.eval()
        self.last: tuple[Any, ...] | None = None  # the last prediction (for inspection)

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: str = "cpu") -> PolicyAgent:
        """Load a Lightning checkpoint written by `gensim train`."""
        return cls(load_policy(path, device))

    def act(self, obs: dict[str, Any], info: dict[str, Any] | None) -> dict[str, Any]:
        """The action for one observation (colour (H, W, 3), height (H, W)) and its instruction."""
        lang = str((info or {}).get("lang_goal", ""))
        height = np.asarray(obs["height"], dtype=np.float32)
        pick, place, theta = self.policy.predict_observation(obs["color"], height, lang)
        self.last = (pick, place, theta)
        return action_from_prediction(pick, place, theta, height,
                                      bins=self.policy.config.theta_bins)


def load_policy(path: str | Path, device: str = "cpu") -> Any:
    """A `TransporterPolicy` from a checkpoint file, in eval mode on `device`."""
    import torch

    from gensim.errors import UsageError
    from gensim.policies.transporter import TransporterPolicy

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no checkpoint file at {path}")
    try:
        policy = TransporterPolicy.load_from_checkpoint(str(path), map_location=torch.device(device))
    except (KeyError, RuntimeError, TypeError) as err:
        raise UsageError(f"not a gensim policy checkpoint: {path} ({err})") from err
    return policy.eval()
