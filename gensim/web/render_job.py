"""The browser's rendering job, run in the sandbox (`run_in_sandbox("gensim.web.render_job:media_job")`):
the scene after reset as a PNG (top-down and front views) and the expert's rollout as a GIF of
top-down frames taken during each motion (`run_episode(render=True)`: every
`env.frame_every` physics steps), with the episode's instruction as caption under each frame.
Both are made in the sandbox's scratch folder and returned as data; the web server writes them.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

# Imported by a warm sandbox of this module before its first job (`gensim.sandbox.child.load_job`).
SANDBOX_PRELOAD = ("gensim.tasks.rendering", "gensim.sim.environment", "gensim.tasks.episode",
                   "gensim.tasks.registry", "gensim.tasks.loader", "imageio.v2", "imageio.v3", "PIL.Image",
                   "PIL.ImageDraw")


def sandbox_warm_up() -> None:
    """Called once by a warm sandbox of this module: an empty scene built and rendered."""
    from gensim.tasks.episode import warm_up

    warm_up(render_obs=True)

GIF_FPS = 8  # frames per second of the rollout (the episode films 8 frames per simulated second)
SCALE = 2  # the 320 x 160 top-down frame is shown twice as large
CAPTION_CHARS = 44  # characters per caption line
LINE_PX = 14  # caption line height


def captioned(frame: np.ndarray, caption: str) -> np.ndarray:
    """`frame` scaled by `SCALE` with `caption` in black on a white band below it."""
    from PIL import Image, ImageDraw

    image = Image.fromarray(np.asarray(frame, dtype=np.uint8)[..., :3])
    image = image.resize((image.width * SCALE, image.height * SCALE), Image.Resampling.NEAREST)
    lines = textwrap.wrap(caption, CAPTION_CHARS)[:4] or [""]
    canvas = Image.new("RGB", (image.width, image.height + 8 + LINE_PX * len(lines)), "white")
    canvas.paste(image, (0, 0))
    draw = ImageDraw.Draw(canvas)
    for k, line in enumerate(lines):
        draw.text((4, image.height + 4 + k * LINE_PX), line, fill="black")
    return np.asarray(canvas)


def media_job(payload: dict[str, Any]) -> dict[str, Any]:
    """`scene.png` and `rollout.gif` of task code `payload["code"]`, returned as data
    (`{"files": {name: base64}, ...}`, `gensim.sandbox.returned`)."""
    import imageio.v2 as imageio

    from gensim.sandbox.returned import pack_files
    from gensim.sim.environment import Environment
    from gensim.tasks.episode import run_episode
    from gensim.tasks.registry import make_task
    from gensim.tasks.rendering import render_scene_png
    from gensim.tasks.spec import TaskSpec

    name = str(payload.get("name") or "task")
    spec = TaskSpec(name=name, origin="generated", code=str(payload["code"]))
    out = Path(tempfile.mkdtemp(prefix="media-"))  # in the sandbox's scratch tmpfs
    seed = int(payload.get("seed", 0))
    render_scene_png(spec, seed, out / "scene.png")
    env = Environment()
    try:
        result = run_episode(env, make_task(spec), seed, render=True)
    finally:
        env.close()
    frames: list[Any] = [captioned(f, result.lang_goal) for f in result.frames]
    imageio.mimsave(out / "rollout.gif", frames, duration=1000 / GIF_FPS, loop=0)
    return {"frames": len(frames), "success": result.success, "instruction": result.lang_goal[:500],
            "files": pack_files([out / "scene.png", out / "rollout.gif"])}
