"""Demonstrations of generated (untrusted) tasks against built-ins: time per episode, side by
side in the same run, on the same task code, and against a baseline revision.

Each built-in task's own file is also stored as a generated task (`<name>-as-generated`,
admitted): the same code, now untrusted, so its episodes are played in a sandbox and kept on the
trusted replay's word, while the built-in plays in a worker process. Every side is a fresh
interpreter (as a `gensim demos` command) that times `make_demos(..., workers=1)` of
`--episodes` episodes into a fresh folder; sides alternate, `--repeats` rounds, medians:
- `built-in` (this tree): the baseline of the ratio;
- `generated` (this tree, warm sandboxes: the default);
- `generated @ baseline` (a checkout of `--baseline`, warm sandboxes);
- with `--cold`, `generated, cold` (this tree, `GENSIM_SANDBOX_WARM=false`);
- with `--baseline-built-in`, `built-in @ baseline` (the built-in played on the baseline's
  tree): then `generated / built-in @ baseline` is the baseline's own ratio, each tree's two
  sides on the same code, which still compares like with like where the physics, the assets
  or the expert changed in between (generated / baseline then does not);
- with `--baseline-files`, the baseline's generated side stores the baseline's own copy of the
  task file (a revision whose gensim lacks what this tree's task files import, e.g. d34360d
  before the gate's kernel boundary: its `build_car.py` has no `gensim.tasks.builtin.assembly`).
Both generated sides must keep the same seeds with the same bytes (dataset digests compared;
NO where the code, the assets or the expert differ between the two revisions).
Then, in this process and on one core, what the replay costs next to the play (the floor of
the ratio when no core is free to overlap them): the CPU seconds of recording 4 episodes in a
`RecordingEnvironment` that renders nothing (as the child does) and of replaying their records
with renders and encoding (`judge_episodes(..., demos=)`: the kept episodes), no sandbox.
Run (from a checkout with its full history, the project's venv active):
`python -m bench.bench_generated_demos [--episodes 6] [--repeats 3] [--baseline efadb27] [--cold]
[--baseline-built-in] [--baseline-files] [--job-costs] [--tasks ...]`.
With `--job-costs`, only what one sandboxed job costs by chunk size (`job_costs`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sidebyside import Side, Timed, alternate, baseline_tree, demos_run  # noqa: E402

TASKS = {"place-red-in-green": "place_red_in_green.py", "align-box-corner": "align_box_corner.py",
         "build-car": "build_car.py"}
BASELINE = "efadb27"  # main before the per-job costs of the warm sandboxes were cut (537d456)


def _side(root: Path, home: str, name: str, file: Path, n: int, out: Path, warm: bool = True) -> Timed:
    count = [0]

    def run() -> tuple[float, str]:
        count[0] += 1
        return demos_run(root, home, name, file, n, out / f"{root.name}-{name}-{int(warm)}-{count[0]}",
                         env={"GENSIM_SANDBOX_WARM": "true" if warm else "false"})

    return run


def replay_share(task: str, seeds: tuple[int, ...] = (0, 2, 4, 6)) -> tuple[float, float]:
    """CPU seconds of recording `seeds` of `task` (built-in code, in this process) and of
    replaying their records: (play, replay)."""
    from gensim.checking.episodes import episode_record, judge_episodes, recording
    from gensim.tasks.episode import run_episode, warm_up
    from gensim.tasks.registry import get_spec, make_task

    warm_up(render_obs=True)
    task_obj = make_task(get_spec(task))
    task_obj.mode = "train"
    records = []
    start = time.process_time()
    with recording(render_obs=False) as env:  # as the sandboxed child plays: no renders
        for seed in seeds:
            result = run_episode(env, task_obj, seed)
            records.append(episode_record(env, seed, result))
    played = time.process_time() - start
    start = time.process_time()
    judged = judge_episodes(records, demos={"views": False, "meta": {}})  # renders, encodes
    replayed = time.process_time() - start
    if not all(j.success for j in judged):
        raise SystemExit(f"{task}: the replay failed {[j.seed for j in judged if not j.success]}")
    return played, replayed


def job_costs(task: str, file: Path, rounds: int = 5) -> list[tuple[int, float, float, float]]:
    """Per-job costs of the generated side, in this process's warm sandboxes (as `make_demos`
    drives them): for chunks of 0, 1, 2 and 4 seeds, the medians over `rounds` of the play job's
    seconds (fork, task load, episodes, answer), the episodes' own seconds inside it, and the
    replay job's seconds: (seeds, play, episodes, replay) per chunk."""
    from gensim.data.worker import judged, play_sandboxed, prewarm

    job = {"task": f"{task}-as-generated", "entry_point": "", "origin": "generated", "code": file.read_text(),
           "split": "train", "views": False, "robot": "none", "meta": {}}
    prewarm(1)
    play_sandboxed({**job, "seeds": [0]})  # the sandboxes started and used once
    rows = []
    for seeds in ([], [0], [0, 2], [0, 2, 4, 6]):
        play, inner, replay = [], [], []
        for _ in range(rounds):
            start = time.perf_counter()
            outcomes, ok = play_sandboxed({**job, "seeds": seeds})
            play.append(time.perf_counter() - start)
            inner.append(sum(float(o.get("seconds", 0.0)) for o in outcomes))
            start = time.perf_counter()
            if ok and seeds:
                judged(outcomes, {**job, "seeds": seeds})
            replay.append(time.perf_counter() - start)
        rows.append((len(seeds), statistics.median(play), statistics.median(inner), statistics.median(replay)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--cold", action="store_true", help="also time this tree with cold sandboxes")
    parser.add_argument("--baseline-built-in", action="store_true",
                        help="also time the built-in on the baseline's tree (the baseline's own ratio)")
    parser.add_argument("--baseline-files", action="store_true",
                        help="the baseline's generated side stores the baseline's own task file")
    parser.add_argument("--job-costs", action="store_true",
                        help="only print each sandboxed job's seconds by chunk size (warm sandboxes, this tree)")
    parser.add_argument("--tasks", nargs="*", default=list(TASKS), choices=list(TASKS))
    args = parser.parse_args()
    if args.job_costs:
        print(f"load average {os.getloadavg()[0]:.1f}\n")
        print("| task | seeds per job | play job s | its episodes s | play job overhead s | replay job s |")
        print("|---|---|---|---|---|---|")
        for task in args.tasks:
            for seeds, play, inner, replay in job_costs(task, ROOT / "gensim" / "tasks" / "builtin" / TASKS[task]):
                print(f"| {task} | {seeds} | {play:.3f} | {inner:.3f} | {play - inner:.3f} | {replay:.3f} |", flush=True)
        print(f"\n(load average {os.getloadavg()[0]:.1f} at the end)")
        return
    n = args.episodes
    folder = Path(tempfile.mkdtemp(prefix="gensim-bench-generated-demos-"))
    print(f"{n} episodes per run, workers=1, {args.repeats} rounds, baseline {args.baseline}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    cold_head = " generated cold s/ep | cold / built-in |" if args.cold else ""
    own_head = " built-in @ baseline s/ep | generated / built-in @ baseline |" if args.baseline_built_in else ""
    print(f"| task | built-in s/ep | generated s/ep | generated @ baseline s/ep |{cold_head}{own_head} generated / "
          "built-in | baseline / built-in | generated / baseline | same episodes |")
    print("|---|---|---|---|" + ("---|---|" if args.cold else "") + ("---|---|" if args.baseline_built_in else "")
          + "---|---|---|---|")
    ratios: dict[str, list[float]] = {"new": [], "old": [], "gain": [], "cold": [], "own": []}
    # One home per side: the generated task is then version id 1 in both, so both datasets hold
    # the same bytes (a built-in's demos store its own version row first).
    homes = {side: str(folder / f"home-{side}") for side in ("built-in", "generated", "baseline", "base-built-in")}
    with baseline_tree(args.baseline, folder) as base:
        for task in args.tasks:
            file = ROOT / "gensim" / "tasks" / "builtin" / TASKS[task]
            base_file = base / "gensim" / "tasks" / "builtin" / TASKS[task] if args.baseline_files else file
            generated = f"{task}-as-generated"
            sides: dict[str, Timed] = {
                "built-in": _side(ROOT, homes["built-in"], task, file, n, folder),
                "generated": _side(ROOT, homes["generated"], generated, file, n, folder),
                "baseline": _side(base, homes["baseline"], generated, base_file, n, folder),
            }
            if args.cold:
                sides["cold"] = _side(ROOT, homes["generated"], generated, file, n, folder, warm=False)
            if args.baseline_built_in:
                sides["base-built-in"] = _side(base, homes["base-built-in"], task, base_file, n, folder)
            timed: dict[str, Side] = alternate(sides, args.repeats)
            per = {k: side.median / n for k, side in timed.items()}
            ratios["new"].append(per["generated"] / per["built-in"])
            ratios["old"].append(per["baseline"] / per["built-in"])
            ratios["gain"].append(per["generated"] / per["baseline"])
            cold = ""
            if args.cold:
                ratios["cold"].append(per["cold"] / per["built-in"])
                cold = f" {per['cold']:.2f} | {ratios['cold'][-1]:.2f} |"
            if args.baseline_built_in:
                ratios["own"].append(per["baseline"] / per["base-built-in"])
                cold += f" {per['base-built-in']:.2f} | {ratios['own'][-1]:.2f} |"
            labels = set(timed["generated"].labels + timed["baseline"].labels)
            same = "yes" if len(labels) == 1 else "NO: " + ", ".join(sorted(labels))
            print(f"| {task} | {per['built-in']:.2f} | {per['generated']:.2f} | {per['baseline']:.2f} |{cold} "
                  f"{ratios['new'][-1]:.2f} | {ratios['old'][-1]:.2f} | {ratios['gain'][-1]:.2f} | {same} |",
                  flush=True)
    print(f"\nmedian time per episode: generated / built-in {statistics.median(ratios['new']):.2f}, "
          f"baseline / built-in {statistics.median(ratios['old']):.2f}, generated / baseline "
          f"{statistics.median(ratios['gain']):.2f}"
          + (f", cold / built-in {statistics.median(ratios['cold']):.2f}" if args.cold else "")
          + (f", generated / built-in @ baseline {statistics.median(ratios['own']):.2f}"
             if args.baseline_built_in else "")
          + f" (load average {os.getloadavg()[0]:.1f} at the end)\n")
    print("| task | play CPU s (4 episodes) | replay CPU s | replay / play |")
    print("|---|---|---|---|")
    for task in args.tasks:
        played, replayed = replay_share(task)
        print(f"| {task} | {played:.2f} | {replayed:.2f} | {replayed / played:.2f} |", flush=True)


if __name__ == "__main__":
    main()
