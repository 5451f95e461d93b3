"""Start-up of the command line: this tree against a baseline revision of gensim, and the
reference GenSim when its environment is given, side by side in the same run.

Cases, each a fresh process timed end to end (wall clock, median of `--repeats`, sides
alternating):
  help          `gensim --help`
  usage-error   `gensim demos block-insertion -n -1` (refused input)
  demos-1       `gensim demos block-insertion -n 1` in a warm home (the home, its task DB and its
                MLflow store already made; the dataset removed before each repeat, so one episode
                is made and tracked each time)
  reference     `python cliport/demos.py n=1 task=block-insertion mode=train disp=False
                record.save_video=False` in a fresh data folder, GENSIM_ROOT and PYTHONPATH set
                to the checkout (only with --ref-python and --ref-root: the reference's
                interpreter and checkout)

The baseline (default 3ba11c0, the last revision before MLflow went off the critical path) is
checked out into a temporary git worktree and run with this interpreter.
Run: `python -m bench.bench_startup [--baseline REV] [--repeats 5] [--ref-python PY --ref-root DIR]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TASK = "block-insertion"
CASES = {
    "help": ["--help"],
    "usage-error": ["demos", TASK, "-n", "-1"],
    "demos-1": ["demos", TASK, "-n", "1"],
}


def _gensim(tree: Path, home: Path, args: list[str]) -> float:
    """Seconds of one `gensim ARGS` from `tree` with `home` (the dataset removed first)."""
    shutil.rmtree(home / "datasets", ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(GENSIM_HOME=str(home), PYTHONPATH=str(tree))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gensim.cli.main", *args], env=env, cwd=tree,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=600)
    return time.perf_counter() - start


def _reference(python: str, root: Path, data: Path) -> float:
    shutil.rmtree(data, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(root), GENSIM_ROOT=str(root))  # its config reads GENSIM_ROOT
    start = time.perf_counter()
    subprocess.run([python, str(root / "cliport" / "demos.py"), "n=1", f"task={TASK}", "mode=train",
                    "disp=False", "record.save_video=False", f"data_dir={data}",
                    f"hydra.run.dir={data.parent / 'ref-hydra'}"], env=env, cwd=root,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=600)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default="3ba11c0")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ref-python", default=None, help="the reference GenSim's interpreter")
    parser.add_argument("--ref-root", type=Path, default=None, help="the reference GenSim checkout")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gensim-bench-startup-"))
    base = work / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base), args.baseline],
                   check=True)
    try:
        sides = {"this tree": ROOT, f"baseline {args.baseline}": base}
        homes = {name: work / f"home-{i}" for i, name in enumerate(sides)}
        for name, tree in sides.items():  # warm: the home, its DB and MLflow store exist
            _gensim(tree, homes[name], CASES["demos-1"])
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeats):
            for case, case_args in CASES.items():
                for name, tree in sides.items():
                    times.setdefault((case, name), []).append(_gensim(tree, homes[name], case_args))
            if args.ref_python and args.ref_root:
                times.setdefault(("reference demos n=1", "GenSim"), []).append(
                    _reference(args.ref_python, args.ref_root, work / "ref-data"))
        print(f"{'case':<22}{'side':<22}{'median s':>10}{'min s':>8}{'max s':>8}")
        for (case, side), values in times.items():
            print(f"{case:<22}{side:<22}{statistics.median(values):>10.2f}{min(values):>8.2f}{max(values):>8.2f}")
        print()
        baseline = f"baseline {args.baseline}"
        for case in CASES:
            ours = statistics.median(times[(case, "this tree")])
            print(f"{case}: this tree / baseline = {ours / statistics.median(times[(case, baseline)]):.2f}")
        if ("reference demos n=1", "GenSim") in times:
            ref = statistics.median(times[("reference demos n=1", "GenSim")])
            print(f"demos-1: this tree / reference = {statistics.median(times[('demos-1', 'this tree')]) / ref:.2f}")
        else:
            print("reference: not measured (give --ref-python and --ref-root)")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
