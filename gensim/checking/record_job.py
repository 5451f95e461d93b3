"""The sandboxed half of the gate: load task code and RECORD its expert; judge nothing.

`record_job(payload)` runs inside the sandbox child (`gensim.checking.record_job:record_job`) on
`{"code", "name", "seeds", "robot"}` and returns a `RunRecord` as JSON (`gensim.checking.recorder`): the
load error, or per seed the scene the task built, its goals as plain records, the expert's
actions and the task's own rewards. Whatever task code does to this process (patching modules,
the recorder, the encoder) can only change that data: the verdict is computed from it by the
trusted replayer in another process (`gensim.checking.replay`).
This module is imported in the child before any task code: its imports are the preloading.
"""

from __future__ import annotations

import re
from typing import Any

import numpy  # noqa: F401 - preloaded before task code
import pybullet  # noqa: F401

from gensim.checking import recorder
from gensim.checking.conventions import CHECK_SEEDS
from gensim.checking.record import RunRecord
from gensim.sandbox import phases
from gensim.sim import environment, grippers, oracle_view, primitives  # noqa: F401
from gensim.sim.arm import check_robot
from gensim.tasks import context, episode, goals, habits, loader, oracle, rewards, task, utils  # noqa: F401
from gensim.tasks.episode import warm_up as sandbox_warm_up  # noqa: F401 - called by a warm sandbox


def _name(raw: Any) -> str:
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", str(raw or "task")).strip("-")
    return (text or "task")[:80]


def record_job(payload: dict[str, Any]) -> dict[str, Any]:
    """Record task code (`code`, `name`, `seeds`); see the module docstring."""
    name = _name(payload.get("name"))
    seeds = [int(s) for s in payload.get("seeds") or CHECK_SEEDS]
    robot = check_robot(str(payload.get("robot") or "none"))  # before any task code is loaded
    filename = f"{name}.py"
    phases.enter("load")
    try:
        cls = loader.load_task_class(str(payload["code"]), filename)
    except loader.TaskLoadError as err:
        return RunRecord(name=name, load_error=str(err)).to_json()
    return recorder.record_run(cls, name, seeds, filename, robot=robot).to_json()
