"""Demonstrations of generated (untrusted) tasks against built-ins: expert episodes per minute,
side by side in the same run, on the same task code.

Each built-in task's own file is also stored in a temporary home as a generated task
(`<name>-as-generated`, admitted): the same code, now untrusted, so its episodes are played in
the sandbox (`gensim.data.worker`: chunks of `CODE_CHUNK` seeds per sandboxed job) while the
built-in plays in the worker process itself. Three sides per task, alternating, `--repeats`
rounds, `make_demos(..., workers=1)` each time (a fresh worker process per run, as the CLI):
`built-in`, `generated, warm` (warm sandboxes, the default: bwrap and the job's imports started
once per worker process) and `generated, cold` (`GENSIM_SANDBOX_WARM=false`: one bwrap start per
chunk). Episodes per minute over the whole run (worker start included: the sandboxed side
delivers its episodes a chunk at a time, so a steady-state rate between episodes means nothing
there); ratios of time per episode against the built-in.
Run: `python -m bench.bench_generated_demos [--episodes 8] [--repeats 2]`.
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

from bench.sidebyside import Side, Timed, alternate  # noqa: E402

TASKS = {"place-red-in-green": "place_red_in_green.py", "align-box-corner": "align_box_corner.py",
         "build-car": "build_car.py"}


def _side(task: str, n: int, root: Path, warm: bool) -> Timed:
    def run() -> tuple[float, str]:
        from gensim.config import get_settings
        from gensim.data.demos import make_demos

        os.environ["GENSIM_SANDBOX_WARM"] = "true" if warm else "false"
        get_settings.cache_clear()
        out = root / f"{task}-{'w' if warm else 'c'}-{time.perf_counter_ns()}"
        start = time.perf_counter()
        report = make_demos(task, n, "train", workers=1, out=out, track=False)
        seconds = time.perf_counter() - start
        if report.episodes != n:
            raise SystemExit(f"{task}: {report.episodes} of {n} episodes")
        return seconds, str(report.episodes)

    return run


def _per_min(side: Side, n: int) -> float:
    return 60.0 * n / side.median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    os.environ["GENSIM_HOME"] = tempfile.mkdtemp(prefix="gensim-bench-generated-demos-")
    root = Path(tempfile.mkdtemp(prefix="gensim-bench-generated-demos-out-"))
    from gensim.db import repository
    from gensim.db.session import ensure_schema
    from gensim.generation.library import admitted_specs
    from gensim.tasks import registry

    ensure_schema()
    registry.register_source(admitted_specs)  # the stored tasks, as the CLI registers them
    n = args.episodes
    print(f"{n} episodes per run, workers=1, {args.repeats} rounds, load average {os.getloadavg()[0]:.1f}\n")
    print("| task | built-in ep/min | generated warm ep/min | generated cold ep/min | time per episode warm / "
          "built-in | cold / built-in |")
    print("|---|---|---|---|---|---|")
    warm_ratios, cold_ratios = [], []
    for task, file in TASKS.items():
        generated = f"{task}-as-generated"
        code = (ROOT / "gensim" / "tasks" / "builtin" / file).read_text()
        repository.add_task_version(generated, code, "bench: a built-in's code stored as generated", status="admitted")
        sides = alternate({"built-in": _side(task, n, root, True), "warm": _side(generated, n, root, True),
                           "cold": _side(generated, n, root, False)}, args.repeats)
        base, warm, cold = sides["built-in"], sides["warm"], sides["cold"]
        warm_ratios.append(warm.median / base.median)
        cold_ratios.append(cold.median / base.median)
        print(f"| {task} | {_per_min(base, n):.1f} | {_per_min(warm, n):.1f} | {_per_min(cold, n):.1f} | "
              f"{warm.median / base.median:.2f} | {cold.median / base.median:.2f} |")
    print(f"\nmedian time per episode, generated / built-in: warm {statistics.median(warm_ratios):.2f}, "
          f"cold {statistics.median(cold_ratios):.2f} (load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
