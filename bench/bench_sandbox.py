"""The kernel boundary's cost: a candidate check behind bubblewrap against the previous mechanism
(a plain child process with the in-process guard, no namespaces), side by side in one run.

The baseline (default: d34360d, the last revision before bwrap) is checked out into a temporary
git worktree; both sides run the same gate (`gensim.checking.gate.check_code`: the record job and
the replay job, each in a sandboxed process) on the same task files, in a fresh interpreter per
run, alternating, `--repeats` times; only the check call is timed (median). This tree runs with
cold sandboxes here (`GENSIM_SANDBOX_WARM=false`: bwrap started for each job, as the baseline
starts a process for each), so the figure is the boundary's own cost; `bench_gate` measures the
warm sandboxes. Then the throughput of generation candidates: each side checks every file
`--repeats` times with `--workers` threads (as a campaign's workers do) in one interpreter and
reports candidates per minute; this tree both cold and warm.
Run: `python -m bench.bench_sandbox [--baseline REV] [--repeats 3] [--workers 2]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sidebyside import alternate, baseline_tree, ratio, run_script, script_side  # noqa: E402

FILES = (
    "tests/fixtures/convention/place_red_block_in_green_bowl.py",
    "tests/fixtures/convention/blocks_into_zone.py",
    "tests/fixtures/hostile/benign_baseline.py",
    "tests/fixtures/hostile/two_task_classes.py",
)
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
COLD = {"GENSIM_SANDBOX_WARM": "false"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default="d34360d")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gensim-bench-sandbox-") as tmp, \
            baseline_tree(args.baseline, Path(tmp)) as base:
        homes = {"before": f"{tmp}/home-old", "bwrap": f"{tmp}/home-new"}
        ratios = []
        print(f"{'task file':<36} {'before s':>9} {'bwrap s':>8} {'ratio':>6}  stages")
        for file in FILES:
            path = str(ROOT / file)
            sides = alternate({"before": script_side(base, homes["before"], ONE, path),
                               "bwrap": script_side(ROOT, homes["bwrap"], ONE, path, env=COLD)}, args.repeats)
            old, new = sides["before"], sides["bwrap"]
            ratios.append(ratio(new, old))
            print(f"{Path(file).name:<36} {old.median:>9.2f} {new.median:>8.2f} {ratio(new, old):>6.2f}  "
                  f"{old.label}/{new.label}")
        print(f"median ratio bwrap/before per candidate check: {statistics.median(ratios):.2f} (aim <= 1.3)")
        files = json.dumps([str(ROOT / f) for f in FILES])
        runs = {"before": (base, homes["before"], {}), "bwrap cold": (ROOT, homes["bwrap"], COLD),
                "bwrap warm": (ROOT, homes["bwrap"], {})}
        rate = {}
        for side, (root, home, env) in runs.items():
            seconds, count = run_script(root, home, MANY, files, str(args.repeats), str(args.workers), env=env)
            rate[side] = 60.0 * float(count) / float(seconds)
        print(f"candidates/min with {args.workers} workers: " + ", ".join(f"{k} {v:.1f}" for k, v in rate.items())
              + f"; time per candidate vs before: cold {rate['before'] / rate['bwrap cold']:.2f}, "
              f"warm {rate['before'] / rate['bwrap warm']:.2f}")


if __name__ == "__main__":
    main()
