"""The built-in library's scripted expert: success over 20 seeds per task, and speed.

1. Success: `check_task` on the 20 train seeds 0, 2, ..., 38 of every built-in task (2 worker
   processes). Targets: >= 0.95, >= 0.8 for rope, pile and packing tasks.
2. Speed, on block-insertion, put-block-in-bowl, stack-block-pyramid-seq and build-car: seconds
   per successful expert episode with the policy observation rendered after every step, per
   action, and the share of rendering (pybullet.getCameraImage), physics
   (pybullet.stepSimulation) and the rest, from a profiled second pass; peak memory. The
   reference implementation's published figures (3.3, 7.2, 13.6 and 16.2 s per successful
   episode on this kind of machine) are the baseline of the ratio; they were not re-measured here.

    python bench/bench_expert.py [--seeds 20] [--episodes 10] [--skip-success] [--skip-speed]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

REFERENCE_S = {"block-insertion": 3.3, "put-block-in-bowl": 7.2, "stack-block-pyramid-seq": 13.6,
               "build-car": 16.2}
RELAXED = ("rope", "piles", "packing")


def _success(args: tuple[str, int]) -> tuple[str, float, float]:
    from gensim.checking.conventions import train_seeds
    from gensim.checking.gate import check_task

    name, n = args
    start = time.perf_counter()
    verdict = check_task(name, seeds=train_seeds(n), threshold=0.0)
    return name, verdict.success_rate, time.perf_counter() - start


def success_table(n_seeds: int) -> None:
    from gensim.tasks.registry import builtin_specs

    names = [s.name for s in builtin_specs()]
    with ProcessPoolExecutor(2) as pool:
        rows = list(pool.map(_success, [(n, n_seeds) for n in names]))
    print(f"\n### Expert success over {n_seeds} seeds (train seeds 0, 2, ...)\n")
    print("| task | success | target | met | seconds |")
    print("|---|---|---|---|---|")
    for name, rate, seconds in rows:
        target = 0.8 if any(w in name for w in RELAXED) else 0.95
        print(f"| {name} | {rate:.2f} | {target:.2f} | {'yes' if rate >= target else 'NO'} | {seconds:.0f} |")


def _resolve(name: str) -> str:
    from gensim.tasks.registry import all_specs

    names = [s.name for s in all_specs()]
    return name if name in names else f"{name}-seen-colors"


def _episodes(name: str, n: int) -> dict[str, Any]:
    from gensim.sim.environment import Environment
    from gensim.tasks.episode import run_episode
    from gensim.tasks.registry import get_spec, make_task

    task = make_task(get_spec(name))
    env = Environment(render_obs=True)
    out = {"episodes": 0, "successes": 0, "actions": 0, "seconds": 0.0}
    try:
        for seed in range(0, 2 * n, 2):
            start = time.perf_counter()
            result = run_episode(env, task, seed)
            out["seconds"] += time.perf_counter() - start
            out["episodes"] += 1
            out["successes"] += int(result.success)
            out["actions"] += result.steps
    finally:
        env.close()
    return out


def speed_table(n_episodes: int) -> None:
    print(f"\n### Seconds per successful expert episode ({n_episodes} episodes each, "
          "policy observation rendered every step)\n")
    print("| task | episodes ok | s / successful episode | s / action | reference s | speed-up "
          "| render share | physics share | rest |")
    print("|---|---|---|---|---|---|---|---|---|")
    for short, ref in REFERENCE_S.items():
        name = _resolve(short)
        timed = _episodes(name, n_episodes)
        profiler = cProfile.Profile()
        profiler.enable()
        _episodes(name, max(2, n_episodes // 3))
        profiler.disable()
        stats = pstats.Stats(profiler)
        render = sum(v[2] for k, v in stats.stats.items() if "getCameraImage" in k[2])
        physics = sum(v[2] for k, v in stats.stats.items() if "stepSimulation" in k[2])
        per_ok = timed["seconds"] / max(1, timed["successes"])
        per_action = timed["seconds"] / max(1, timed["actions"])
        t = stats.total_tt  # the profiled pass: shares only (the profiler slows Python code)
        print(f"| {name} | {timed['successes']}/{timed['episodes']} | {per_ok:.2f} | {per_action:.3f} "
              f"| {ref} | {ref / per_ok:.1f}x | {render / t:.0%} | {physics / t:.0%} "
              f"| {(t - render - physics) / t:.0%} |")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak memory of this process: {peak_mb:.0f} MB (reference: 700-900 MB).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--skip-success", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if not args.skip_speed:
        speed_table(args.episodes)
    if not args.skip_success:
        success_table(args.seeds)


if __name__ == "__main__":
    main()
