"""Jobs that run inside the sandbox (`gensim.sandbox.run_in_sandbox`): they touch untrusted code.

Each takes and returns plain JSON. Nothing here writes outside the folder it is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def render_job(payload: dict[str, Any]) -> dict[str, Any]:
    """A top-down + front PNG and an expert-rollout GIF of task code, written into `out_dir`."""
    from gensim.tasks.rendering import render_rollout_gif, render_scene_png
    from gensim.tasks.spec import TaskSpec

    name = str(payload.get("name") or "task")
    spec = TaskSpec(name=name, origin="generated", code=payload["code"])
    out = Path(payload["out_dir"])
    seed = int(payload.get("seed", 0))
    robot = str(payload.get("robot") or "none")  # checked by Environment (`check_robot`)
    written = []
    if payload.get("png", True):
        written.append(str(render_scene_png(spec, seed, out / f"{name}.png", robot=robot)))
    if payload.get("gif", True):
        written.append(str(render_rollout_gif(spec, seed, out / f"{name}.gif", robot=robot)))
    return {"files": written}
