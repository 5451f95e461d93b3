"""Episode files with the arm's control stream: seconds and bytes per episode of `gensim demos`
with `--robot panda` (20 Hz stream inside the file) against `--robot none`, in the same run.

For each seed of `--seeds` (train seeds 0, 2, ...), sides alternating, the demo worker's own
function (`gensim.data.worker.run_seeds`, what `gensim demos make` runs per job) plays the expert
once with the floating end effector and once with the Panda; the encoded episode bytes are what
the dataset stores. Run: `python -m bench.bench_control_files [--seeds 3] [--task place-red-in-green]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time


def play(task: str, seed: int, robot: str) -> tuple[float, int, int]:
    """(seconds, bytes of the episode file, control samples) of one expert episode."""
    from gensim.data.format import EpisodeFile
    from gensim.data.worker import run_seeds
    from gensim.tasks.registry import get_spec

    spec = get_spec(task)
    job = {"task": task, "entry_point": spec.entry_point, "code": None, "origin": "builtin", "split": "train",
           "views": False, "robot": robot, "meta": {}, "seeds": [seed]}
    start = time.perf_counter()
    [outcome] = run_seeds(job)
    seconds = time.perf_counter() - start
    if not outcome["success"]:
        return seconds, 0, 0
    episode = EpisodeFile(outcome["data"])
    samples = int(episode.meta.get("control", {}).get("samples", 0))
    return seconds, len(outcome["data"]), samples


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--task", default="place-red-in-green")
    args = parser.parse_args(argv)
    rows: dict[str, list[tuple[float, int, int]]] = {"none": [], "panda": []}
    for index in range(args.seeds):
        for robot in ("none", "panda"):
            rows[robot].append(play(args.task, 2 * index, robot))
    print(f"task {args.task}, train seeds 0..{2 * (args.seeds - 1)}, {args.seeds} episodes per side\n")
    print("| robot | successes | s / episode (median) | ratio | bytes / episode file (median) | ratio | "
          "control samples (median) |\n|---|---|---|---|---|---|---|")
    base = rows["none"]
    b_s = statistics.median(r[0] for r in base)
    b_b = statistics.median(r[1] for r in base if r[1]) if any(r[1] for r in base) else 1
    for robot, results in rows.items():
        ok = [r for r in results if r[1]]
        s = statistics.median(r[0] for r in results)
        size = statistics.median(r[1] for r in ok) if ok else 0
        samples = statistics.median(r[2] for r in ok) if ok else 0
        print(f"| {robot} | {len(ok)}/{len(results)} | {s:.2f} | {s / b_s:.2f} | {size:.0f} | {size / b_b:.2f} | "
              f"{samples:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
