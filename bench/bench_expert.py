"""The built-in library's scripted expert: success over 20 seeds per task, and speed.

1. Success: `check_task` on the 20 train seeds 0, 2, ..., 38 of every built-in task (2 worker
   processes). Targets: >= 0.95, >= 0.8 for rope, pile and packing tasks.
2. Speed, on block-insertion, put-block-in-bowl, stack-block-pyramid-seq and build-car: seconds
   per successful expert episode with the policy observation rendered after every step, per
   action, and the share of rendering (pybullet.getCameraImage), physics
   (pybullet.stepSimulation) and the rest, from a profiled second pass; peak memory. The
   reference implementation's published figures (3.3, 7.2, 13.6 and 16.2 s per successful
   episode on this kind of machine) are the baseline of the ratio; they were not re-measured here.
3. Side by side with the reference (`--ref-root REF/GenSim --ref-python REF/venv/bin/python`):
   the same built-in tasks and seeds, each task run here and then there in the same run, so both
   sides see the same load. Here: reset and the expert's episode with the policy observation
   rendered after every step, in this process. There: `bench/ref_episodes.py` (the reference's
   data loop: seeded reset, oracle acts until done, its observation rendered every step) in a
   child under the reference's Python; its imports and `Environment` are not counted, as ours
   are not. The ratio is the reference's seconds per episode over ours. A third column runs our
   side again with the Panda arm (`robot="panda"`), the reference's episodes being driven by its
   UR5 arm.

    python bench/bench_expert.py [--seeds 20] [--episodes 10] [--skip-success] [--skip-speed] [--tasks A B]
    python bench/bench_expert.py --skip-speed --cache DIR   # success rows kept in DIR/<task>.json, reused
    python bench/bench_expert.py --skip-success --skip-speed --ref-root REF --ref-python PY [--ref-seeds 0 2 4]

With `--cache DIR` each task's success row is written to DIR/<task>.json (with the commit and the
load average) as soon as it is done, and tasks already there are not run again: a killed run
loses only the tasks in progress. Delete a file to re-run that task.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

REFERENCE_S = {"block-insertion": 3.3, "put-block-in-bowl": 7.2, "stack-block-pyramid-seq": 13.6,
               "build-car": 16.2}
RELAXED = ("rope", "piles", "packing")
SLOW = ("palletizing", "rope", "piles", "towers-of-hanoi")
# built-ins both sides have, one per family (the reference's Google objects are not in its checkout)
SIDE_BY_SIDE = ("block-insertion", "place-red-in-green", "put-block-in-bowl-seen-colors", "stack-block-pyramid",
                "towers-of-hanoi", "align-box-corner", "palletizing-boxes", "assembling-kits", "packing-boxes",
                "align-rope")
RUNNER = Path(__file__).with_name("ref_episodes.py")


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parent)
    return done.stdout.strip() or "?"


def _success(args: tuple[str, int, str, str]) -> dict[str, Any]:
    from gensim.checking.conventions import train_seeds
    from gensim.checking.gate import check_task

    name, n, cache, commit = args
    load, started = _load(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    start = time.perf_counter()
    verdict = check_task(name, seeds=train_seeds(n), threshold=0.0)
    failed = [f"{seed}: {reward:.2f}" for seed, ok, reward in zip(verdict.seeds, verdict.successes, verdict.rewards,
                                                                  strict=False)
              if not ok]
    if verdict.errors and not verdict.successes:
        failed = [verdict.errors[0][:120]]
    row = {"task": name, "seeds": n, "success": verdict.success_rate, "seconds": time.perf_counter() - start,
           "failed": ", ".join(failed), "commit": commit, "started": started,
           "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load_start": load, "load_end": _load()}
    if cache:
        path = Path(cache) / f"{name}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(row, indent=1))
        tmp.replace(path)  # whole rows only: a kill mid-write leaves no half file
    return row


def _cached(cache: str, name: str, n_seeds: int) -> dict[str, Any] | None:
    path = Path(cache) / f"{name}.json"
    if not cache or not path.exists():
        return None
    try:
        row = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return row if row.get("seeds") == n_seeds else None


def _row(row: dict[str, Any]) -> tuple[str, bool]:
    name, rate = row["task"], row["success"]
    target = 0.8 if any(w in name for w in RELAXED) else 0.95
    line = (f"| {name} | {rate:.2f} | {target:.2f} | {'yes' if rate >= target else 'NO'} | {row['seconds']:.0f} "
            f"| {row['failed'] or '-'} | {row.get('commit', '?')} |")
    return line, rate >= target


def success_table(n_seeds: int, tasks: list[str] | None = None, cache: str = "") -> None:
    """One row per task as it finishes (2 workers); the failing seeds with their total reward; the
    table again in the library's order at the end. With `cache`, rows already there are reused."""
    from gensim.tasks.registry import builtin_specs

    names = tasks or [s.name for s in builtin_specs()]
    if cache:
        Path(cache).mkdir(parents=True, exist_ok=True)
    rows = {name: row for name in names if (row := _cached(cache, name, n_seeds)) is not None}
    todo = [name for name in names if name not in rows]
    if not tasks:  # the slow families first, so that the two workers finish together; --tasks: as given
        todo.sort(key=lambda n: not any(w in n for w in SLOW))
    commit = _commit()
    print(f"\n### Expert success over {n_seeds} seeds (train seeds 0, 2, ...): {len(todo)} to run at {commit}, "
          f"{len(rows)} from the cache; load average {_load()} at the start\n", flush=True)
    header = ("| task | success | target | met | seconds | failed seeds (total reward) | commit |\n"
              "|---|---|---|---|---|---|---|")
    print(header, flush=True)
    with ProcessPoolExecutor(2) as pool:
        futures = [pool.submit(_success, (name, n_seeds, cache, commit)) for name in todo]
        for future in as_completed(futures):
            row = future.result()
            rows[row["task"]] = row
            print(_row(row)[0], flush=True)
    print(f"\n{header}", flush=True)
    met = 0
    for name in names:
        line, ok = _row(rows[name])
        met += ok
        print(line)
    print(f"\n{met} of {len(names)} tasks meet their target.", flush=True)


def _resolve(name: str) -> str:
    from gensim.tasks.registry import all_specs

    names = [s.name for s in all_specs()]
    return name if name in names else f"{name}-seen-colors"


def _episodes(name: str, n: int, seeds: list[int] | None = None, robot: str = "none") -> dict[str, Any]:
    from gensim.sim.environment import Environment
    from gensim.tasks.episode import run_episode
    from gensim.tasks.registry import get_spec, make_task

    task = make_task(get_spec(name))
    env = Environment(render_obs=True, robot=robot)
    out = {"episodes": 0, "successes": 0, "actions": 0, "seconds": 0.0}
    try:
        for seed in seeds if seeds is not None else range(0, 2 * n, 2):
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


def _reference(ref_python: str, ref_root: str, name: str, seeds: list[int], timeout: float) -> dict[str, Any]:
    """The reference's episodes of `name` on `seeds`, summed like `_episodes`."""
    cmd = [ref_python, str(RUNNER), "--ref-root", ref_root, "--tasks", name, "--seeds", *map(str, seeds)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    records = [json.loads(line[len("REFRESULT "):]) for line in done.stdout.splitlines()
               if line.startswith("REFRESULT ")]
    return {"episodes": len(records), "successes": sum(bool(r["ok"]) for r in records),
            "actions": sum(int(r.get("steps", 0)) for r in records),
            "seconds": sum(float(r.get("seconds", 0.0)) for r in records),
            "errors": [r["error"] for r in records if r.get("error")]}


def side_by_side(ref_python: str, ref_root: str, names: list[str], seeds: list[int], timeout: float) -> None:
    """Seconds per expert episode here and in the reference, task by task in one run."""
    load = _load()
    print(f"\n### Expert episode side by side with the reference (seeds {seeds}; load average {load} at the start)\n")
    print("| task | ok here | ok with arm | ok there | s / episode here | with arm | there | ratio there / here "
          "| ratio there / with arm |")
    print("|---|---|---|---|---|---|---|---|---|")
    totals = {"here": 0.0, "arm": 0.0, "there": 0.0}
    count = 0
    for name in names:
        here = _episodes(name, len(seeds), seeds)
        arm = _episodes(name, len(seeds), seeds, robot="panda")
        there = _reference(ref_python, ref_root, name, seeds, timeout)
        ok = f"| {name} | {here['successes']}/{here['episodes']} | {arm['successes']}/{arm['episodes']} "
        if not there["episodes"] or there["errors"]:
            print(f"{ok}| no result: {(there['errors'] or ['crash or timeout'])[0][:80]} | | | | | |")
            continue
        per = {side: run["seconds"] / run["episodes"] for side, run in (("here", here), ("arm", arm), ("there", there))}
        for side, run in (("here", here), ("arm", arm), ("there", there)):
            totals[side] += run["seconds"]
        count += 1
        print(f"{ok}| {there['successes']}/{there['episodes']} | {per['here']:.2f} | {per['arm']:.2f} "
              f"| {per['there']:.2f} | {per['there'] / per['here']:.1f}x | {per['there'] / per['arm']:.1f}x |")
    if count:
        print(f"\nAll {count} tasks, {len(seeds)} seeds each: {totals['there']:.0f} s there, {totals['here']:.1f} s "
              f"here ({totals['there'] / totals['here']:.1f}x), {totals['arm']:.1f} s here with the arm "
              f"({totals['there'] / totals['arm']:.1f}x).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--skip-success", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--tasks", nargs="+", default=None, help="success table for these tasks only")
    parser.add_argument("--cache", default="", help="a folder: each task's success row kept there as it is done, "
                        "tasks already there not run again")
    parser.add_argument("--ref-root", default="", help="a GenSim checkout: run the side-by-side table")
    parser.add_argument("--ref-python", default="", help="a Python that imports the reference's cliport")
    parser.add_argument("--ref-seeds", type=int, nargs="+", default=[0, 2, 4])
    parser.add_argument("--ref-tasks", nargs="+", default=list(SIDE_BY_SIDE))
    parser.add_argument("--ref-timeout", type=float, default=1800.0, help="s per task on the reference's side")
    args = parser.parse_args()
    if bool(args.ref_root) != bool(args.ref_python):
        parser.error("--ref-root and --ref-python go together")
    if not args.skip_speed:
        speed_table(args.episodes)
    if not args.skip_success:
        success_table(args.seeds, args.tasks, args.cache)
    if args.ref_root:
        side_by_side(args.ref_python, args.ref_root, args.ref_tasks, args.ref_seeds, args.ref_timeout)


if __name__ == "__main__":
    main()
