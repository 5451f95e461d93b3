"""Jobs that run inside the sandbox (`gensim.sandbox.run_in_sandbox`): they touch untrusted code.

Each takes and returns plain JSON. Pictures are written in the sandbox's own scratch folder and
returned as data (`gensim.sandbox.returned`): the caller writes them where they belong.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

# Imported by a warm sandbox of this module before its first job (`gensim.sandbox.child.load_job`).
SANDBOX_PRELOAD = ("gensim.tasks.rendering", "gensim.sim.environment", "gensim.tasks.episode",
                   "gensim.tasks.registry", "gensim.tasks.loader", "imageio.v2", "imageio.v3", "PIL.Image",
                   "PIL.ImageDraw")


def sandbox_warm_up() -> None:
    """Called once by a warm sandbox of this module: an empty scene built and rendered."""
    from gensim.tasks.episode import warm_up

    warm_up(render_obs=True)


def render_job(payload: dict[str, Any]) -> dict[str, Any]:
    """A top-down + front PNG and an expert-rollout GIF of task code: `{"files": {name: base64}}`
    (`<name>.png`, `<name>.gif`)."""
    from gensim.sandbox.returned import pack_files
    from gensim.tasks.rendering import render_rollout_gif, render_scene_png
    from gensim.tasks.spec import TaskSpec

    name = str(payload.get("name") or "task")
    spec = TaskSpec(name=name, origin="generated", code=payload["code"])
    out = Path(tempfile.mkdtemp(prefix="render-"))  # in the sandbox's scratch tmpfs
    seed = int(payload.get("seed", 0))
    robot = str(payload.get("robot") or "none")  # checked by Environment (`check_robot`)
    written = []
    if payload.get("png", True):
        written.append(render_scene_png(spec, seed, out / f"{name}.png", robot=robot))
    if payload.get("gif", True):
        written.append(render_rollout_gif(spec, seed, out / f"{name}.gif", robot=robot))
    return {"files": pack_files(written)}
