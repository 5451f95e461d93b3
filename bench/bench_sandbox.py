"""The kernel boundary's cost: a candidate check behind bubblewrap against the previous mechanism
(a plain child process with the in-process guard, no namespaces), side by side in one run.

The baseline (default: d34360d, the last revision before bwrap) is checked out into a temporary
git worktree; both sides run the same gate (`gensim.checking.gate.check_code`: the record job and
the replay job, each in a sandboxed process) on the same task files, in a fresh interpreter per
run, alternating, `--repeats` times; only the check call is timed (median). Then the throughput
of generation candidates: each side checks every file `--repeats` times with `--workers`
threads (as a campaign's workers do) and reports candidates per minute.
Run: `python -m bench.bench_sandbox [--baseline REV] [--repeats 3] [--workers 2]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = (
    "tests/fixtures/convention/place_red_block_in_green_bowl.py",
    "tests/fixtures/convention/blocks_into_zone.py",
    "tests/fixtures/hostile/benign_baseline.py",
    "tests/fixtures/hostile/two_task_classes.py",
)
SEEDS = [0, 2]
ONE = """import json, sys, time
from gensim.checking.gate import check_code
code = open(sys.argv[1]).read()
start = time.perf_counter()
stage = check_code(code, "bench", seeds=[0, 2]).stage
print(json.dumps([time.perf_counter() - start, stage]))
"""
MANY = """import json, sys, time
from concurrent.futures import ThreadPoolExecutor
from gensim.checking.gate import check_code
codes = [open(p).read() for p in json.loads(sys.argv[1])] * int(sys.argv[2])
start = time.perf_counter()
with ThreadPoolExecutor(int(sys.argv[3])) as pool:
    stages = list(pool.map(lambda c: check_code(c, "bench", seeds=[0, 2]).stage, codes))
print(json.dumps([time.perf_counter() - start, len(stages)]))
"""


def _run(root: Path, home: str, script: str, *args: str) -> list[object]:
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "GENSIM_HOME": home}
    proc = subprocess.run([sys.executable, "-c", script, *args], cwd=root, env=env, capture_output=True,
                          text=True, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("[")]
    if not lines:
        raise SystemExit(f"{root.name}: nothing printed: {proc.stderr[-300:]}")
    return list(json.loads(lines[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default="d34360d")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gensim-bench-sandbox-") as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base), args.baseline],
                       check=True)
        try:
            sides = {"before": (base, f"{tmp}/home-old"), "bwrap": (ROOT, f"{tmp}/home-new")}
            ratios = []
            print(f"{'task file':<36} {'before s':>9} {'bwrap s':>8} {'ratio':>6}  stages")
            for file in FILES:
                runs: dict[str, list[float]] = {"before": [], "bwrap": []}
                stages: dict[str, str] = {}
                for _ in range(args.repeats):
                    for side, (root, home) in sides.items():
                        seconds, stage = _run(root, home, ONE, str(ROOT / file))
                        runs[side].append(float(seconds))  # type: ignore[arg-type]
                        stages[side] = str(stage)
                old, new = statistics.median(runs["before"]), statistics.median(runs["bwrap"])
                ratios.append(new / old)
                print(f"{Path(file).name:<36} {old:>9.2f} {new:>8.2f} {new / old:>6.2f}  "
                      f"{stages['before']}/{stages['bwrap']}")
            print(f"median ratio bwrap/before per candidate check: {statistics.median(ratios):.2f} (aim <= 1.3)")
            files = json.dumps([str(ROOT / f) for f in FILES])
            rate = {}
            for side, (root, home) in sides.items():
                seconds, count = _run(root, home, MANY, files, str(args.repeats), str(args.workers))
                rate[side] = 60.0 * float(count) / float(seconds)  # type: ignore[arg-type]
            print(f"candidates/min with {args.workers} workers: before {rate['before']:.1f}, "
                  f"bwrap {rate['bwrap']:.1f}, ratio {rate['before'] / rate['bwrap']:.2f} (time per candidate)")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)


if __name__ == "__main__":
    main()
