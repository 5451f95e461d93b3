"""Start-up of the command line: this tree against a baseline revision of gensim, and the
reference GenSim when its environment is given, side by side in the same run.

Cases, each a fresh process timed end to end (wall clock, median of `--repeats`, sides
alternating):
  help           `gensim --help`
  train-help     `gensim train --help`
  usage-error    `gensim demos block-insertion -n -1` (refused input)
  train-no-tasks `gensim train --max-steps 5` (refused: no tasks)
  eval-missing   `gensim eval --model gensim-policy:99 --tasks block-insertion` in a home whose task
                 DB knows versions 1 and 2 of gensim-policy (refused, listing them)
  eval-1         `gensim eval --model gensim-policy:3 --tasks block-insertion --episodes 1` in a
                 warm home: version 3 is a tiny untrained checkpoint (made once by this tree,
                 registered in each home's task DB), played on one test seed, its GIF and
                 figure written and the run logged through the outbox (`gensim runs sync` after
                 each repeat, timed apart as `eval-1 sync`). The baseline must resolve models
                 through the task DB (run 5 on; e.g. `--baseline 3be9b5e`): the script stops if
                 a side's eval fails.
  demos-1        `gensim demos block-insertion -n 1` in a warm home (the home, its task DB and its
                 MLflow store already made; the dataset removed before each repeat, so one episode
                 is made and tracked each time). Since the outbox, the run is logged after the
                 command returns, by a detached writer: after each timed repeat the script runs
                 `gensim runs sync` (timed apart as `demos-1 sync`, the tracking left to do), so
                 no writer overlaps the next measurement.
  reference      (with --ref-python and --ref-episode SCRIPT) the reference's one-episode runner
                 `python SCRIPT block-insertion 0` (imports, environment, one oracle episode), as
                 HOWTO of the reference environment describes; or (with --ref-python and
                 --ref-root) `python cliport/demos.py n=1 task=block-insertion mode=train
                 disp=False record.save_video=False` in a fresh data folder, GENSIM_ROOT and
                 PYTHONPATH set to the checkout.

The baseline (a gensim revision; default a73ef79, the last one before the outbox) is checked
out into a temporary git worktree and run with this interpreter.
Each case also has its CPU time (user + system of the command and the processes it waited
for, such as the demo worker; not the detached MLflow writer): unlike the wall clock, it hardly
moves with the load other users put on the machine.
Run: `python -m bench.bench_startup [--baseline REV] [--repeats 5] [--cases demos-1,eval-1,help]
[--ref-python PY (--ref-episode SCRIPT | --ref-root DIR) --ref-repeats 3]`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
    "train-help": ["train", "--help"],
    "usage-error": ["demos", TASK, "-n", "-1"],
    "train-no-tasks": ["train", "--max-steps", "5"],
    "eval-missing": ["eval", "--model", "gensim-policy:99", "--tasks", TASK],
    "demos-1": ["demos", TASK, "-n", "1"],
    "eval-1": ["eval", "--model", "gensim-policy:3", "--tasks", TASK, "--episodes", "1"],
}
SYNCED = ("demos-1", "eval-1")  # cases whose run a detached writer logs: `runs sync` after each
# Two registered versions of gensim-policy in the home's task DB (what `gensim train` records).
_CHECKPOINTS = ("import sys\nfrom gensim.db import provenance, session\nsession.upgrade()\n"
                "for v in ('1', '2'):\n"
                "    provenance.add_checkpoint(f'/x/{v}.ckpt', registered_model_name='gensim-policy',"
                " registered_model_version=v)\n"
                "provenance.add_checkpoint(sys.argv[1], registered_model_name='gensim-policy',"
                " registered_model_version='3')\n")
# A tiny untrained policy checkpoint (version 3 of the eval-1 case), as `gensim train` writes one.
_TINY = ("import sys, lightning.pytorch as pl\n"
         "from gensim.policies.transporter import TransporterPolicy\n"
         "trainer = pl.Trainer(max_steps=0, accelerator='cpu', logger=False, enable_checkpointing=False,"
         " enable_progress_bar=False, enable_model_summary=False)\n"
         "trainer.strategy.connect(TransporterPolicy({'language': False, 'width': 4, 'levels': 2,"
         " 'stride': 4, 'feature_dim': 4, 'crop_size': 32}))\n"
         "trainer.save_checkpoint(sys.argv[1])\n")


def _env(tree: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(GENSIM_HOME=str(home), PYTHONPATH=str(tree))
    return env


CPU: dict[tuple[str, str], list[float]] = {}  # (case, side) -> CPU seconds of each repeat


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _gensim(tree: Path, home: Path, args: list[str], cpu_key: tuple[str, str] | None = None,
            must_pass: bool = False) -> float:
    """Seconds of one `gensim ARGS` from `tree` with `home` (the dataset removed first); its CPU
    seconds go to `CPU[cpu_key]`; with `must_pass`, a failed command stops the script."""
    shutil.rmtree(home / "datasets", ignore_errors=True)
    cpu = _cpu()
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "gensim.cli.main", *args], env=_env(tree, home), cwd=tree,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False, timeout=600)
    seconds = time.perf_counter() - start
    if must_pass and proc.returncode != 0:
        raise SystemExit(f"`gensim {' '.join(args)}` failed in {tree}: {proc.stderr.strip()[-400:]}")
    if cpu_key is not None:
        CPU.setdefault(cpu_key, []).append(_cpu() - cpu)
    return seconds


def _sync(tree: Path, home: Path) -> float:
    """Seconds of `gensim runs sync`: the runs left in the home's outbox logged to MLflow."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gensim.cli.main", "runs", "sync"], env=_env(tree, home), cwd=tree,
                   check=True, capture_output=True, timeout=600)
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


def _reference_episode(python: str, script: str) -> float:
    """Seconds of the reference's one-episode runner (fails loudly if its episode failed)."""
    start = time.perf_counter()
    proc = subprocess.run([python, script, TASK, "0"], capture_output=True, text=True, check=False,
                          timeout=900)
    seconds = time.perf_counter() - start
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("REFRESULT ")), None)
    if line is None or not json.loads(line.removeprefix("REFRESULT "))["ok"]:
        raise SystemExit(f"reference episode failed: {(line or proc.stderr)[-500:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default="a73ef79")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ref-python", default=None, help="the reference GenSim's interpreter")
    parser.add_argument("--ref-root", type=Path, default=None, help="the reference GenSim checkout")
    parser.add_argument("--ref-episode", default=None, help="the reference's one-episode runner script")
    parser.add_argument("--ref-repeats", type=int, default=3, help="reference runs (each is slow)")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated cases to run")
    args = parser.parse_args()
    cases = {name: CASES[name] for name in args.cases.split(",")}
    work = Path(tempfile.mkdtemp(prefix="gensim-bench-startup-"))
    base = work / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base), args.baseline],
                   check=True)
    try:
        sides = {"this tree": ROOT, f"baseline {args.baseline}": base}
        homes = {name: work / f"home-{i}" for i, name in enumerate(sides)}
        tiny = work / "tiny.ckpt"
        subprocess.run([sys.executable, "-c", _TINY, str(tiny)], env=_env(ROOT, work / "home-tiny"), cwd=ROOT,
                       check=True, capture_output=True, timeout=600)
        for name, tree in sides.items():  # warm: the home, its DB and MLflow store exist
            _gensim(tree, homes[name], CASES["demos-1"])
            subprocess.run([sys.executable, "-c", _CHECKPOINTS, str(tiny)], env=_env(tree, homes[name]), cwd=tree,
                           check=True, capture_output=True, timeout=600)
            if "eval-1" in cases:  # the first eval of a home also makes its experiment
                _gensim(tree, homes[name], CASES["eval-1"], must_pass=True)
                _sync(tree, homes[name])
        times: dict[tuple[str, str], list[float]] = {}
        load_start = os.getloadavg()[0]
        for repeat in range(args.repeats):
            for case, case_args in cases.items():
                for name, tree in sides.items():
                    times.setdefault((case, name), []).append(
                        _gensim(tree, homes[name], case_args, (case, name), must_pass=case == "eval-1"))
                    if case in SYNCED and (tree / "gensim" / "tracking" / "outbox.py").is_file():
                        # the run logged after the command returned
                        times.setdefault((f"{case} sync", name), []).append(_sync(tree, homes[name]))
            if args.ref_python and repeat < args.ref_repeats:
                if args.ref_episode:
                    times.setdefault(("reference episode", "GenSim"), []).append(
                        _reference_episode(args.ref_python, args.ref_episode))
                elif args.ref_root:
                    times.setdefault(("reference demos n=1", "GenSim"), []).append(
                        _reference(args.ref_python, args.ref_root, work / "ref-data"))
        print(f"load average (1 min) at the start {load_start:.1f}, at the end {os.getloadavg()[0]:.1f}")
        print(f"{'case':<22}{'side':<22}{'median s':>10}{'min s':>8}{'max s':>8}{'CPU s':>8}")
        for (case, side), values in times.items():
            cpu = f"{statistics.median(CPU[(case, side)]):>8.2f}" if (case, side) in CPU else ""
            print(f"{case:<22}{side:<22}{statistics.median(values):>10.2f}{min(values):>8.2f}{max(values):>8.2f}{cpu}")
        print()
        baseline = f"baseline {args.baseline}"
        for case in cases:
            ours = statistics.median(times[(case, "this tree")])
            cpu = statistics.median(CPU[(case, "this tree")]) / statistics.median(CPU[(case, baseline)])
            print(f"{case}: this tree / baseline = {ours / statistics.median(times[(case, baseline)]):.2f}"
                  f" (CPU {cpu:.2f})")
        refs = [key for key in times if key[1] == "GenSim"]
        for key in refs:
            ref = statistics.median(times[key])
            for name in sides:
                print(f"demos-1: {name} / {key[0]} = {statistics.median(times[('demos-1', name)]) / ref:.2f}")
        if not refs:
            print("reference: not measured (give --ref-python and --ref-episode or --ref-root)")
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
