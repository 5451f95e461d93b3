"""The simulated arm (`robot="panda"`) against the floating end effector, in the same run.

For each task: expert success and seconds per episode (policy observation off, as in checks)
with the floating end effector and with the arm, on the train seeds 0, 2, ...; the ratio
arm / floating; and the arm's reach over the workspace grid (x, y every 5 cm at z = 2, 15 and
30 cm, tool pointing down, within 5 mm). Targets: arm success >= 0.9 (0.75 rope, piles, packing).

    python bench/bench_arm.py [--episodes 5] [--tasks a,b,...] [--all] [--shard I/N] [--json out.jsonl]

`--shard I/N` runs every N-th task from the I-th (0-based; the reach only in shard 0), so that
a long run can be split over processes; `--json` appends one line per task.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

DEFAULT_TASKS = (
    "block-insertion", "place-red-in-green", "put-block-in-bowl-full", "stack-block-pyramid", "towers-of-hanoi",
    "align-box-corner", "palletizing-boxes", "assembling-kits", "packing-boxes", "manipulating-rope",
    "align-rope", "sweeping-piles",
)
RELAXED = ("rope", "piles", "packing")


def run(task: str, robot: str, episodes: int) -> tuple[float, float, list[int]]:
    """(success rate, seconds per episode, failed seeds) of the expert on `episodes` train seeds."""
    from gensim.sim.environment import Environment
    from gensim.tasks.episode import run_episode
    from gensim.tasks.registry import make_task

    env = Environment(render_obs=False, robot=robot)
    try:
        start, failed = time.perf_counter(), []
        for i in range(episodes):
            if not run_episode(env, make_task(task), 2 * i).success:
                failed.append(2 * i)
        return 1 - len(failed) / episodes, (time.perf_counter() - start) / episodes, failed
    finally:
        env.close()


def reach() -> dict[str, Any]:
    """`measure_reach` on a freshly reset arm."""
    from gensim.sim.arm import measure_reach
    from gensim.sim.environment import Environment
    from gensim.tasks.registry import make_task

    with Environment(render_obs=False, robot="panda") as env:
        task = make_task("place-red-in-green")
        task.seed(0)
        env.set_task(task)
        env.reset()
        return measure_reach(env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=5)
    parser.add_argument("--tasks", default=",".join(DEFAULT_TASKS))
    parser.add_argument("--all", action="store_true", help="every built-in task")
    parser.add_argument("--shard", default="0/1", help="I/N: every N-th task from the I-th")
    parser.add_argument("--json", default="", help="append one JSON line per task to this file")
    args = parser.parse_args()
    tasks = args.tasks.split(",")
    if args.all:
        from gensim.tasks.registry import builtin_specs

        tasks = [s.name for s in builtin_specs()]
    index, count = (int(v) for v in args.shard.split("/"))
    tasks = tasks[index::count]
    if index == 0:
        r = reach()
        print(f"reach: {r['reached']}/{r['points']} grid points = {r['share']:.1%} within {r['tol_m'] * 1000:.0f} mm "
              f"(median error {r['median_error_m'] * 1000:.1f} mm); missed: {r['missed']}", flush=True)
    print(f"{'task':40s} {'float ok':>8s} {'float s':>8s} {'arm ok':>8s} {'arm s':>8s} {'ratio':>6s}  target")
    total_f = total_a = 0.0
    for task in tasks:
        ok_f, s_f, failed_f = run(task, "none", args.episodes)
        ok_a, s_a, failed_a = run(task, "panda", args.episodes)
        total_f, total_a = total_f + s_f, total_a + s_a
        target = 0.75 if any(word in task for word in RELAXED) else 0.9
        flag = "ok" if ok_a >= target else "BELOW"
        print(f"{task:40s} {ok_f:8.2f} {s_f:8.2f} {ok_a:8.2f} {s_a:8.2f} {s_a / s_f:6.2f}  {target} {flag}"
              + (f"  failed seeds: floating {failed_f}, arm {failed_a}" if failed_f or failed_a else ""), flush=True)
        if args.json:
            with open(args.json, "a") as out:
                out.write(json.dumps({"task": task, "episodes": args.episodes, "floating_ok": ok_f, "floating_s": s_f,
                                      "arm_ok": ok_a, "arm_s": s_a, "floating_failed": failed_f,
                                  "arm_failed": failed_a}) + "\n")
    print(f"mean seconds per episode: floating {total_f / len(tasks):.2f}, arm {total_a / len(tasks):.2f}, "
          f"ratio {total_a / total_f:.2f}")


if __name__ == "__main__":
    main()
