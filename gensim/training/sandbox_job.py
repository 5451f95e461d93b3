"""The sandboxed side of policy rollouts on task code: `play_job(payload)`.

Imported only inside the sandbox child, before its guard is armed: the imports below are the
preload (the guard refuses what torch, Lightning and the sentence encoder do while importing,
such as loading libraries through ctypes; a warm sandbox's fork server imports them once). The
payload names a copy of the checkpoint in a folder of its own, bound read-only (`readable`), the
only place outside the trusted roots the child may read.
"""

from __future__ import annotations

from typing import Any

import lightning.pytorch  # noqa: F401 - preload (see the module docstring)
import torch

import gensim.policies.agent
import gensim.policies.transporter  # noqa: F401
import gensim.sim.environment  # noqa: F401
import gensim.tasks.episode
import gensim.tasks.registry  # noqa: F401
from gensim.checking.episodes import recording
from gensim.training import rollout


def _preload_language() -> None:
    try:
        import sentence_transformers  # noqa: F401
        import transformers.models.bert.modeling_bert  # noqa: F401
    except ImportError:  # the policy then fails to load with a clear error, in the verdict
        pass


_preload_language()


def play_job(payload: dict[str, Any]) -> dict[str, Any]:
    """Load the policy from `payload["checkpoint"]` and play `payload["seeds"]` of the task."""
    torch.set_num_threads(int(payload.get("threads", 1)))
    agent = gensim.policies.agent.PolicyAgent.from_checkpoint(payload["checkpoint"])
    robot = str(payload.get("robot") or "none")
    # A recording environment: each outcome carries its record, which the trusted replay judges.
    with recording(robot=robot) as env:
        outcomes = rollout.play(agent, payload["task"], payload["seeds"], payload["split"],
                                payload["render"], robot, env=env)
    return {"outcomes": [{**o.to_json(), "record": o.record,
                          "frames": rollout.pack_frames(o.frames) if o.frames else None}
                         for o in outcomes]}
