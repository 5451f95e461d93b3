"""Seconds the sandbox adds per candidate: the same check of the same task code, unsandboxed
(a plain child process running the gate's record and replay in-process, as for built-ins) and
sandboxed (`gensim.checking.gate.check_code`: the record job and the replay job, each in its
own sandboxed process).

Both sides pay a fresh interpreter and the imports, as a campaign's checks do, so the difference
is the sandbox's own cost: limits, the guard, the network namespace, the second process of the
replay, the record crossing as JSON. Run: `python -m bench.bench_sandbox [--repeats 3]`; prints a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TASKS = {
    "place-red-block-in-green-bowl": ROOT / "tests/fixtures/convention/place_red_block_in_green_bowl.py",
    "blocks-into-zone": ROOT / "tests/fixtures/convention/blocks_into_zone.py",
    "benign-baseline (corpus)": ROOT / "tests/fixtures/hostile/benign_baseline.py",
    "two-task-classes (load fails)": ROOT / "tests/fixtures/hostile/two_task_classes.py",
}
SEEDS = (0, 2)
PLAIN = ("import json, sys\nfrom gensim.checking.gate import check_task\n"
         "from gensim.tasks.loader import TaskLoadError, load_task_class\n"
         "try:\n    cls = load_task_class(open(sys.argv[1]).read(), 'bench.py')\n"
         "except TaskLoadError:\n    print(json.dumps({'stage': 'load'}))\n    sys.exit(0)\n"
         "v = check_task(cls, seeds=[0, 2], name='bench')\nprint(json.dumps(v.to_json()))\n")


def plain(path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PLAIN, str(path)], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    seconds = time.perf_counter() - start
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    return seconds, json.loads(line[-1])["stage"] if line else "died"


def sandboxed(path: Path) -> tuple[float, str]:
    from gensim.checking.gate import check_code

    start = time.perf_counter()
    verdict = check_code(path.read_text(), "bench", seeds=SEEDS)
    return time.perf_counter() - start, verdict.stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'task':<32} {'plain s':>8} {'sandbox s':>10} {'added s':>8}  stage")
    added = []
    for name, path in TASKS.items():
        p_runs, s_runs = [], []
        for _ in range(args.repeats):
            p_s, p_stage = plain(path)
            s_s, s_stage = sandboxed(path)
            p_runs.append(p_s)
            s_runs.append(s_s)
        p_med, s_med = statistics.median(p_runs), statistics.median(s_runs)
        added.append(s_med - p_med)
        print(f"{name:<32} {p_med:>8.2f} {s_med:>10.2f} {s_med - p_med:>8.2f}  {p_stage}/{s_stage}")
    print(f"median seconds added per candidate: {statistics.median(added):.2f} (aim < 0.5)")


if __name__ == "__main__":
    main()
