"""Control-rate recording: seconds per expert episode with the recorder against without it,
and bytes per episode of the exported LeRobot data, in the same run.

For each seed of `--seeds` (task place-red-in-green, robot panda), sides alternating: the expert
episode alone (`run_episode`, no hook) and the same episode recorded at 20 Hz with the front RGB
frames (`record_control_episode`). Then the recorded episodes are exported
(`export_control_lerobot`) and the folder's bytes divided by the episode count.
Run: `python -m bench.bench_control [--seeds 3] [--task place-red-in-green] [--robot panda]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def plain(task_name: str, seed: int, robot: str) -> float:
    from gensim.sim.environment import Environment
    from gensim.tasks.episode import run_episode
    from gensim.tasks.registry import make_task

    start = time.perf_counter()
    env = Environment(render_obs=False, robot=robot)
    try:
        run_episode(env, make_task(task_name), seed)
    finally:
        env.close()
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    from gensim.data.control import CONTROL_HZ, export_control_lerobot, record_control_episode

    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--task", default="place-red-in-green")
    parser.add_argument("--robot", default="panda")
    args = parser.parse_args(argv)
    base, rec, episodes = [], [], []
    for seed in range(args.seeds):
        base.append(plain(args.task, seed, args.robot))
        start = time.perf_counter()
        episodes.append(record_control_episode(args.task, seed, robot=args.robot))
        rec.append(time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        summary = export_control_lerobot(episodes, Path(tmp) / "out")
    b, r = statistics.median(base), statistics.median(rec)
    frames = summary["frames"] / len(episodes)
    print(f"task {args.task}, robot {args.robot}, {args.seeds} seeds, {CONTROL_HZ} Hz\n")
    print("| case | s / episode (median) | ratio |\n|---|---|---|")
    print(f"| expert episode, no recorder | {b:.2f} | 1.00 |")
    print(f"| same, recorded at {CONTROL_HZ} Hz with front RGB | {r:.2f} | {r / b:.2f} |")
    print(f"\nframes / episode: {frames:.1f}; LeRobot export: {summary['bytes'] / len(episodes):.0f} bytes / episode "
          f"({summary['bytes'] / summary['frames']:.0f} bytes / frame)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
