"""Pictures of a task for people: the scene after reset (PNG) and an expert rollout (GIF)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gensim.errors import UsageError
from gensim.tasks.spec import TaskSpec

FRAME_HEIGHT = 480  # px: the top-down view is scaled to the front view's height
GIF_FPS = 2


def side_by_side(topdown: np.ndarray, front: np.ndarray | None) -> np.ndarray:
    """The top-down colour image scaled to `FRAME_HEIGHT` rows, and the front view on its right."""
    from PIL import Image

    top = np.asarray(topdown, dtype=np.uint8)
    width = int(round(top.shape[1] * FRAME_HEIGHT / top.shape[0]))
    scaled = np.asarray(Image.fromarray(top).resize((width, FRAME_HEIGHT), Image.Resampling.NEAREST))
    if front is None:
        return scaled
    view = np.asarray(front, dtype=np.uint8)[..., :3]
    if view.shape[0] != FRAME_HEIGHT:
        w = int(round(view.shape[1] * FRAME_HEIGHT / view.shape[0]))
        view = np.asarray(Image.fromarray(view).resize((w, FRAME_HEIGHT), Image.Resampling.BILINEAR))
    gap = np.full((FRAME_HEIGHT, 4, 3), 255, dtype=np.uint8)
    return np.concatenate([scaled, gap, view], axis=1)


def _front(obs: Any) -> np.ndarray | None:
    views = obs.get("views") if isinstance(obs, dict) else None
    return np.asarray(views[0][0]) if views else None


def _out_path(out: Path, suffix: str) -> Path:
    if out.suffix.lower() != suffix:
        raise UsageError(f"--out must end with {suffix} (got {out.name})")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def render_scene_png(spec: TaskSpec, seed: int, out: Path, gui: bool = False, robot: str = "none") -> Path:
    """Reset the task with `seed` and write the top-down and front views as one PNG (`robot`:
    see `Environment`; an arm shows in the front view)."""
    import imageio.v3 as iio

    from gensim.sim.environment import Environment
    from gensim.tasks import context
    from gensim.tasks.registry import make_task

    path = _out_path(out, ".png")
    task = make_task(spec)
    env = Environment(render_views=True, gui=gui, robot=robot)
    try:
        task.seed(seed)
        env.set_task(task)
        with context.episode_context(env.client, []):
            from gensim.sandbox import phases

            phases.enter("reset")  # in a sandbox: the reset has its own budget
            obs = env.reset()
        iio.imwrite(path, side_by_side(obs["color"], _front(obs)))
    finally:
        env.close()
    return path


def render_rollout_gif(spec: TaskSpec, seed: int, out: Path, gui: bool = False, robot: str = "none") -> Path:
    """Play the expert on `seed` and write one frame per step (top-down and front) as a GIF
    (`robot`: see `Environment`; an arm shows in the front view)."""
    import imageio.v2 as imageio

    from gensim.sim.environment import Environment
    from gensim.tasks.episode import run_episode
    from gensim.tasks.registry import make_task

    path = _out_path(out, ".gif")
    task = make_task(spec)
    env = Environment(render_views=True, gui=gui, robot=robot)
    frames: list[np.ndarray] = []

    def record(obs: Any, action: Any, reward: float, info: Any) -> None:
        frames.append(side_by_side(obs["color"], _front(obs)))

    try:
        run_episode(env, task, seed, record=record)
    finally:
        env.close()
    imageio.mimsave(path, list[Any](frames), duration=1000 / GIF_FPS, loop=0)
    return path
