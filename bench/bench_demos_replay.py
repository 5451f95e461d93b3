"""What the trusted replay adds to demos of generated tasks: time per kept episode, before and
after, side by side in the same run, on the same task code.

A built-in task's own file is stored as a generated task (`<name>-as-generated`, admitted: the
same code, now untrusted, played in the sandbox). Two sides, alternating, `--repeats` rounds,
each a fresh interpreter running `make_demos(..., workers=1)` of `--episodes` episodes into a
fresh folder (warm sandboxes, the default): `before` on a checkout of `--baseline` (the revision
before the replay judged demos: the task's own rewards decided), `replay` on this tree (every
chunk's records replayed in the replayer's sandbox, which decides). Both must keep the same
seeds with the same bytes (the dataset digests are compared). Prints seconds per episode and
the ratio replay / before.
Run: `python -m bench.bench_demos_replay [--episodes 8] [--repeats 2] [--baseline 7c39592]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sidebyside import Side, Timed, baseline_tree, demos_run  # noqa: E402

TASKS = {"place-red-in-green": "place_red_in_green.py", "align-box-corner": "align_box_corner.py"}
BASELINE = "7c39592"  # main just before the replay judged demos of generated tasks


def _side(root: Path, home: str, task: str, file: Path, n: int, out: Path, digests: list[str]) -> Timed:
    count = [0]

    def run() -> tuple[float, str]:
        count[0] += 1
        seconds, label = demos_run(root, home, f"{task}-as-generated", file, n, out / f"{root.name}-{task}-{count[0]}")
        digests.append(label)
        return seconds, label

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    n = args.episodes
    folder = Path(tempfile.mkdtemp(prefix="gensim-bench-demos-replay-"))
    print(f"{n} episodes per run, workers=1, {args.repeats} rounds, baseline {args.baseline}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| task | before s/episode | replay s/episode | replay / before | same episodes |")
    print("|---|---|---|---|---|")
    ratios = []
    with baseline_tree(args.baseline, folder) as base:
        for task, name in TASKS.items():
            file = ROOT / "gensim" / "tasks" / "builtin" / name
            labels: dict[str, list[str]] = {"before": [], "replay": []}
            sides = {"before": _side(base, str(folder / "home-before"), task, file, n, folder, labels["before"]),
                     "replay": _side(ROOT, str(folder / "home-replay"), task, file, n, folder, labels["replay"])}
            timed = {k: Side() for k in sides}
            for _ in range(args.repeats):
                for key, run in sides.items():
                    seconds, label = run()
                    timed[key].seconds.append(seconds)
                    timed[key].labels.append(label)
            before, replay = timed["before"].median / n, timed["replay"].median / n
            same = len(set(labels["before"] + labels["replay"])) == 1
            ratios.append(replay / before)
            print(f"| {task} | {before:.2f} | {replay:.2f} | {replay / before:.2f} | "
                  f"{'yes' if same else 'NO: ' + ', '.join(sorted(set(labels['before'] + labels['replay'])))} |")
    print(f"\nmedian ratio replay / before: {statistics.median(ratios):.2f} "
          f"(load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
