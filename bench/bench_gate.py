"""Seconds per sandboxed check of one candidate: this tree's gate against a baseline revision,
side by side in the same run.

The baseline (default: c37d307, the last revision before the gate, whose sandboxed check ran the
checker and a shadow reward in one child) is checked out into a temporary git worktree. For
each task file, each side runs the sandboxed check of the file's code on the check seeds in a
fresh interpreter (`--repeats` times, alternating, median); only the check call is timed.
Run: `python -m bench.bench_gate [--baseline REV] [--repeats 3]`; prints a table and the ratios.
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
    "tests/fixtures/convention/stack_blocks_on_pallet.py",
    "gensim/tasks/builtin/build_car.py",
)
CALL = """import json, sys, time
code = open(sys.argv[1]).read()
if sys.argv[2] == "gate":
    from gensim.checking.gate import check_code
    start = time.perf_counter()
    stage = check_code(code, "bench").stage
else:  # a revision before the gate
    from gensim.sandbox.check import check_code as old_check
    start = time.perf_counter()
    stage = old_check(code, "bench")["stage"]
print(json.dumps([time.perf_counter() - start, stage]))
"""


def timed(root: Path, file: str, home: str) -> tuple[float, str]:
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "GENSIM_HOME": home}
    api = "gate" if (root / "gensim" / "checking" / "gate.py").is_file() else "sandbox.check"
    proc = subprocess.run([sys.executable, "-c", CALL, str(ROOT / file), api], cwd=root, env=env,
                          capture_output=True, text=True, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("[")]
    if not lines:
        raise SystemExit(f"{root.name}: the check of {file} printed nothing: {proc.stderr[-300:]}")
    seconds, stage = json.loads(lines[-1])
    if api == "sandbox.check" and (root / "gensim" / "checking").exists():
        raise SystemExit("the baseline must be a revision before gensim/checking")
    return float(seconds), str(stage)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default="c37d307")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gensim-bench-gate-") as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base), args.baseline],
                       check=True)
        try:
            ratios = []
            print(f"{'task file':<36} {'baseline s':>10} {'gate s':>8} {'ratio':>6}  stages")
            for file in FILES:
                old, new = [], []
                for _ in range(args.repeats):
                    s_old, st_old = timed(base, file, f"{tmp}/home-old")
                    s_new, st_new = timed(ROOT, file, f"{tmp}/home-new")
                    old.append(s_old)
                    new.append(s_new)
                m_old, m_new = statistics.median(old), statistics.median(new)
                ratios.append(m_new / m_old)
                print(f"{Path(file).name:<36} {m_old:>10.2f} {m_new:>8.2f} {m_new / m_old:>6.2f}  {st_old}/{st_new}")
            print(f"median ratio gate/baseline: {statistics.median(ratios):.2f}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)


if __name__ == "__main__":
    main()
