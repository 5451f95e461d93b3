"""Simulator speed: seconds per reset and per pick-and-place action, with the policy observation
rendered, split into rendering and the rest (physics, loading, motion).

Run: `python bench/bench_sim.py [--episodes N] [--blocks K]`. Each episode places K standard
4 cm blocks at random free spots and moves every one of them to a row of targets with the
suction pick-and-place. Two observation pipelines run on the same scenes:
- `gensim`: the orthographic top-down camera (the observation gensim's policies get);
- `views+fusion`: the convention's pipeline, three 480x640 RGB-D views fused into the same
  top-down maps (the in-run baseline of the observation cost).
The reference implementation's published figures (about 1.7 s per action and 3.2 s per reset)
are printed for context only; they were not measured here.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from gensim.sim.cameras import RealSenseD415
from gensim.sim.constants import BOUNDS, PIX_SIZE
from gensim.sim.environment import Environment
from gensim.sim.render import fuse_views

IDENTITY = (0.0, 0.0, 0.0, 1.0)
REFERENCE_S = {"reset": 3.2, "action": 1.7}


class BenchTask:
    """K blocks at random grid spots on the left half; targets in a row on the right half."""

    def __init__(self, rng: np.random.Generator, n_blocks: int) -> None:
        self.rng = rng
        self.n_blocks = n_blocks
        self.ids: list[int] = []

    def reset(self, env: Environment) -> None:
        spots = [(x, y) for x in (0.32, 0.42, 0.52) for y in np.arange(-0.4, 0.0, 0.08)]
        chosen = self.rng.choice(len(spots), self.n_blocks, replace=False)
        self.ids = []
        for i in chosen:
            yaw = float(self.rng.uniform(0, np.pi / 2))
            quat = (0.0, 0.0, float(np.sin(yaw / 2)), float(np.cos(yaw / 2)))
            pose = ((*spots[i], 0.02), quat)
            self.ids.append(env.add_object("stacking/block.urdf", pose, color="blue"))

    def actions(self, env: Environment) -> list[dict[str, Any]]:
        targets = [(0.65, float(y), 0.04) for y in np.linspace(0.05, 0.45, self.n_blocks)]
        acts = []
        for obj, target in zip(self.ids, targets, strict=True):
            pos, quat = env.get_object_pose(obj)
            acts.append({"pose0": ((pos[0], pos[1], 0.04), quat), "pose1": (target, IDENTITY)})
        return acts

    def reward(self) -> tuple[float, dict[str, Any]]:
        return 0.0, {}

    def done(self) -> bool:
        return False


class Timed:
    """Wraps `env.observe` to add up the time spent rendering (and fusing) observations."""

    def __init__(self, env: Environment, fuse: bool) -> None:
        self.seconds = 0.0
        self.inner = env.observe
        self.fuse = fuse

    def __call__(self) -> dict[str, Any]:
        start = time.perf_counter()
        obs = self.inner()
        if self.fuse:
            obs["color"], obs["height"] = fuse_views(obs["views"], RealSenseD415.CONFIG, BOUNDS, PIX_SIZE)
        self.seconds += time.perf_counter() - start
        return obs


def run(episodes: int, blocks: int, views: bool) -> dict[str, float]:
    """Mean seconds per reset and per action, and their rendering parts."""
    env = Environment(render_views=views)
    timer = Timed(env, fuse=views)
    env.observe = timer  # type: ignore[method-assign]
    totals = {"reset": 0.0, "reset_render": 0.0, "action": 0.0, "action_render": 0.0}
    n_actions, placed = 0, 0
    try:
        for episode in range(episodes):
            task = BenchTask(np.random.default_rng(episode), blocks)
            env.set_task(task)
            timer.seconds, start = 0.0, time.perf_counter()
            env.reset()
            totals["reset"] += time.perf_counter() - start
            totals["reset_render"] += timer.seconds
            for action in task.actions(env):
                timer.seconds, start = 0.0, time.perf_counter()
                env.step(action)
                totals["action"] += time.perf_counter() - start
                totals["action_render"] += timer.seconds
                n_actions += 1
                target = np.asarray(action["pose1"][0][:2])
                placed += any(np.linalg.norm(np.subtract(env.get_object_pose(o)[0][:2], target)) < 0.01 for o in task.ids)
    finally:
        env.close()
    return {
        "reset": totals["reset"] / episodes,
        "reset_render": totals["reset_render"] / episodes,
        "action": totals["action"] / n_actions,
        "action_render": totals["action_render"] / n_actions,
        "placed": placed / n_actions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=5, help="episodes per pipeline")
    parser.add_argument("--blocks", type=int, default=6, help="blocks per episode (at most 15)")
    args = parser.parse_args()
    results = {
        "gensim": run(args.episodes, args.blocks, views=False),
        "views+fusion": run(args.episodes, args.blocks, views=True),
    }
    print(f"{args.episodes} episodes x {args.blocks} pick-and-place actions per pipeline (CPU)")
    print(f"{'pipeline':<14}{'s/reset':>9}{'render':>9}{'rest':>9}{'s/action':>10}{'render':>9}{'rest':>9}{'placed':>8}")
    for name, r in results.items():
        print(
            f"{name:<14}{r['reset']:>9.4f}{r['reset_render']:>9.4f}{r['reset'] - r['reset_render']:>9.4f}"
            f"{r['action']:>10.4f}{r['action_render']:>9.4f}{r['action'] - r['action_render']:>9.4f}"
            f"{r['placed']:>8.0%}"
        )
    ours, base = results["gensim"], results["views+fusion"]
    print(f"speed-up of the gensim observation over views+fusion: reset x{base['reset'] / ours['reset']:.1f}, "
          f"action x{base['action'] / ours['action']:.1f}")
    print(f"vs the reference's published figures (not measured here): reset x{REFERENCE_S['reset'] / ours['reset']:.0f}, "
          f"action x{REFERENCE_S['action'] / ours['action']:.0f}")


if __name__ == "__main__":
    main()
