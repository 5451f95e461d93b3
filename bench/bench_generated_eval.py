"""Policy rollouts (eval) of generated (untrusted) tasks: time per episode and results, this
tree against a baseline revision, side by side in the same run, on the same task code.

Each built-in task's own file is played as a generated task (origin `generated`, its code in
the fields), so its rollouts go through `gensim.training.rollout.play_sandboxed`; the built-in
plays in the process itself (`rollouts` with the agent). Every side is a fresh interpreter (as
a `gensim eval` command) that times the rollouts of `--seeds` seeds of one tiny policy
checkpoint (written once by this script, the same file for every side); sides alternate,
`--repeats` rounds, medians:
- `built-in` (this tree, in-process): the reference of the results;
- `generated` (this tree: the trusted rollout, the task's child only resets);
- `generated @ baseline` (a checkout of `--baseline`).
The results (success, reward, steps per seed) of every side must be the same.
Run: `python -m bench.bench_generated_eval [--seeds 4] [--repeats 2] [--baseline REV] [--tasks ...]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sidebyside import Side, Timed, alternate, baseline_tree, run_script  # noqa: E402

TASKS = {"place-red-in-green": "place_red_in_green.py", "align-box-corner": "align_box_corner.py",
         "build-car": "build_car.py"}
BASELINE = "c4349e9"  # main before the trusted rollout (policy and task code in one sandbox)
TINY = {"language": False, "width": 4, "levels": 2, "stride": 4, "feature_dim": 4, "crop_size": 32}

SCRIPT = r"""
import json, sys, time
from pathlib import Path
import gensim
from gensim.training.rollout import play_sandboxed, rollouts
name, file, checkpoint, side = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
seeds = [int(s) for s in sys.argv[5].split(",")]
if __name__ == "__main__":
    start = time.perf_counter()
    if side == "built-in":
        from gensim.policies.agent import PolicyAgent
        from gensim.tasks.registry import get_spec
        spec = get_spec(name)
        fields = {"task": name, "origin": "builtin", "code": None, "entry_point": spec.entry_point}
        outcomes = rollouts(PolicyAgent.from_checkpoint(checkpoint), None, fields, seeds, split="test")
    else:
        fields = {"task": name + "-as-generated", "origin": "generated", "code": Path(file).read_text(),
                  "entry_point": ""}
        outcomes = play_sandboxed(checkpoint, fields, seeds, split="test")
    seconds = time.perf_counter() - start
    errors = [o.error for o in outcomes if o.error]
    if errors:
        raise SystemExit(f"{name} ({side}): {errors[0]}")
    label = json.dumps([[o.seed, o.success, round(o.reward, 4), o.steps] for o in outcomes])
    print(json.dumps([seconds, label, str(Path(gensim.__file__).parent)]))
"""


def _checkpoint(folder: Path) -> Path:
    import lightning.pytorch as pl
    import torch

    from gensim.policies.transporter import TransporterPolicy

    torch.manual_seed(0)
    trainer = pl.Trainer(max_steps=0, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.strategy.connect(TransporterPolicy(TINY))
    path = folder / "tiny.ckpt"
    trainer.save_checkpoint(path)
    return path


def _side(root: Path, home: str, task: str, file: Path, checkpoint: Path, side: str, seeds: str) -> Timed:
    def run() -> tuple[float, str]:
        seconds, label, package = run_script(root, home, SCRIPT, task, str(file), str(checkpoint), side, seeds)
        if Path(package).resolve() != (root / "gensim").resolve():
            raise SystemExit(f"{root.name}: imported gensim from {package}")
        return float(seconds), label

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--tasks", nargs="*", default=list(TASKS), choices=list(TASKS))
    args = parser.parse_args()
    seeds = ",".join(str(10001 + 2 * i) for i in range(args.seeds))
    folder = Path(tempfile.mkdtemp(prefix="gensim-bench-generated-eval-"))
    checkpoint = _checkpoint(folder)
    print(f"{args.seeds} seeds per run ({seeds}), {args.repeats} rounds, baseline {args.baseline}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| task | built-in s/ep | generated s/ep | generated @ baseline s/ep | generated / built-in "
          "| baseline / built-in | generated / baseline | same results |")
    print("|---|---|---|---|---|---|---|---|")
    ratios: dict[str, list[float]] = {"new": [], "old": [], "gain": []}
    home = str(folder / "home")
    with baseline_tree(args.baseline, folder) as base:
        for task in args.tasks:
            file = ROOT / "gensim" / "tasks" / "builtin" / TASKS[task]
            sides: dict[str, Timed] = {
                "built-in": _side(ROOT, home, task, file, checkpoint, "built-in", seeds),
                "generated": _side(ROOT, home, task, file, checkpoint, "generated", seeds),
                "baseline": _side(base, home, task, file, checkpoint, "generated", seeds),
            }
            timed: dict[str, Side] = alternate(sides, args.repeats)
            per = {k: side.median / args.seeds for k, side in timed.items()}
            ratios["new"].append(per["generated"] / per["built-in"])
            ratios["old"].append(per["baseline"] / per["built-in"])
            ratios["gain"].append(per["generated"] / per["baseline"])
            labels = {label for side in timed.values() for label in side.labels}
            same = "yes" if len(labels) == 1 else "NO: " + " / ".join(sorted(labels))
            successes = sum(s for _, s, _, _ in json.loads(timed["generated"].label))
            print(f"| {task} | {per['built-in']:.2f} | {per['generated']:.2f} | {per['baseline']:.2f} | "
                  f"{ratios['new'][-1]:.2f} | {ratios['old'][-1]:.2f} | {ratios['gain'][-1]:.2f} | {same} "
                  f"({successes}/{args.seeds} successes) |", flush=True)
    print(f"\nmedian time per episode: generated / built-in {statistics.median(ratios['new']):.2f}, "
          f"baseline / built-in {statistics.median(ratios['old']):.2f}, generated / baseline "
          f"{statistics.median(ratios['gain']):.2f} (load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
