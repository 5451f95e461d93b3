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
    def from_checkpoint(cls, path: str | Path, device: str = "cpu",
                        doc: dict[str, Any] | None = None) -> PolicyAgent:
        """Load a checkpoint written by `gensim train` (`doc`: its contents, when already read)."""
        return cls(load_policy(path, device, doc))

    def act(self, obs: dict[str, Any], info: dict[str, Any] | None) -> dict[str, Any]:
        """The action for one observation (colour (H, W, 3), height (H, W)) and its instruction."""
        lang = str((info or {}).get("lang_goal", ""))
        height = np.asarray(obs["height"], dtype=np.float32)
        pick, place, theta = self.policy.predict_observation(obs["color"], height, lang)
        self.last = (pick, place, theta)
        return action_from_prediction(pick, place, theta, height,
                                      bins=self.policy.config.theta_bins)


def read_checkpoint(path: str | Path, device: str = "cpu") -> dict[str, Any]:
    """The contents of a checkpoint file written by `gensim train` (torch only, no Lightning);
    a one-line `UsageError` when there is no such file or it is not a checkpoint."""
    import torch

    from gensim.errors import UsageError

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no checkpoint file at {path}")
    try:
        doc = torch.load(str(path), map_location=torch.device(device), weights_only=False)  # a gensim checkpoint
    except Exception as err:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise UsageError(f"not a gensim policy checkpoint: {path} ({type(err).__name__})") from None
    if not isinstance(doc, dict):
        raise UsageError(f"not a gensim policy checkpoint: {path} (no mapping inside)")
    return doc


def load_policy(path: str | Path, device: str = "cpu", doc: dict[str, Any] | None = None) -> Any:
    """The policy of a checkpoint file (`doc`: its contents, when already read) as a
    `TransporterNet` in eval mode on `device`: the network without Lightning, whose import
    would cost playing it several seconds (training wraps the same weights in Lightning)."""
    from gensim.errors import UsageError
    from gensim.policies.transporter_net import TransporterNet

    doc = read_checkpoint(path, device) if doc is None else doc
    try:
        policy = TransporterNet(doc["hyper_parameters"]["config"])
        policy.load_state_dict(doc["state_dict"])
    except (KeyError, RuntimeError, TypeError, ValueError) as err:
        raise UsageError(f"not a gensim policy checkpoint: {path} ({type(err).__name__}: {err})"[:300]) from None
    return policy.to(device).eval()
