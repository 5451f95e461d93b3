"""The gate's overhead per candidate: the sandboxed check (recording behind bwrap, verdict from
the trusted replayer behind bwrap) against the same check unsandboxed in one process, side by
side in the same run.

Three sides per task file, alternating, in this one process (its imports done, one untimed
warm-up round per file, then `--repeats` rounds; medians):
- `in-process` (the baseline): the task class loaded here and checked by `check_trusted`: the
  same static checks, recording and replay (through JSON), no sandbox, no second process;
- `warm`: `check_code` with warm sandboxes (the default): a forked child per job in a bwrap
  sandbox started once per job module;
- `cold`: `check_code` with `GENSIM_SANDBOX_WARM=false`: bwrap, the interpreter and the job's
  imports started for each of the two jobs (the path before warm sandboxes).
Every round checks that warm and cold give the same verdict (all but `seconds`) and the
in-process check the same stage. Then the one-time cost: the first warm check in a fresh
interpreter against the next ones (the two sandboxes' start-up).
Run: `python -m bench.bench_gate [--repeats 3] [--seeds 0 2 4 6]`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sidebyside import alternate, in_process, ratio, run_script  # noqa: E402

FILES = (
    "tests/fixtures/convention/place_red_block_in_green_bowl.py",
    "tests/fixtures/convention/blocks_into_zone.py",
    "tests/fixtures/convention/stack_blocks_on_pallet.py",
    "gensim/tasks/builtin/build_car.py",
)
FIRST = """import json, sys, time
from gensim.checking.gate import check_code
code = open(sys.argv[1]).read()
times = []
for _ in range(3):
    start = time.perf_counter()
    check_code(code, "bench", seeds=json.loads(sys.argv[2]))
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""


def _set_warm(warm: bool) -> None:
    from gensim.config import get_settings

    os.environ["GENSIM_SANDBOX_WARM"] = "true" if warm else "false"
    get_settings.cache_clear()


def _plain(doc: dict[str, Any]) -> str:
    """The verdict without its seconds and with the random names of filled templates (which
    differ between any two checks, cold or warm) written alike."""
    doc = dict(doc)
    doc.pop("seconds", None)
    text = json.dumps(doc, sort_keys=True)
    return re.sub(r"\.[0-9a-f]{12}\.urdf", ".urdf", re.sub(r"/gensim-env-[^/]+/", "/gensim-env-X/", text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 2, 4, 6])
    parser.add_argument("--files", nargs="+", default=list(FILES), help="task files (paths from the repository root)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="gensim-bench-gate-")
    os.environ["GENSIM_HOME"] = home
    from gensim.checking.gate import check_code, check_trusted
    from gensim.sandbox import pool
    from gensim.tasks.loader import load_task_class

    print(f"seeds {args.seeds}, {args.repeats} rounds after one warm-up, load average "
          f"{os.getloadavg()[0]:.1f}\n")
    print("| task file | in-process s | warm gate s | cold gate s | warm / in-process | cold / in-process | stage |")
    print("|---|---|---|---|---|---|---|")
    warm_ratios, cold_ratios = [], []
    for file in args.files:
        code = (ROOT / file).read_text()
        name = Path(file).stem.replace("_", "-")
        cls = load_task_class(code, f"{name}.py")
        verdicts: dict[str, str] = {}

        def gate(warm: bool, code: str = code, name: str = name, file: str = file,
                 verdicts: dict[str, str] = verdicts) -> str:
            _set_warm(warm)
            verdict = check_code(code, name, seeds=args.seeds)
            side = "warm" if warm else "cold"
            plain = _plain(verdict.to_json())
            if verdicts.setdefault(side, plain) != plain:
                raise SystemExit(f"{file}: the {side} gate gave two different verdicts")
            return verdict.stage

        def trusted(cls: Any = cls, code: str = code, name: str = name) -> str:
            return check_trusted(cls, name, code=code, seeds=args.seeds).stage

        sides = alternate({"in-process": in_process(trusted), "warm": in_process(lambda: gate(True)),
                           "cold": in_process(lambda: gate(False))}, args.repeats, warmup=1)
        if verdicts["warm"] != verdicts["cold"]:
            raise SystemExit(f"{file}: warm and cold verdicts differ:\n{verdicts['warm']}\n{verdicts['cold']}")
        stages = {s.label for s in sides.values()}
        if len(stages) != 1:
            raise SystemExit(f"{file}: the sides disagree on the stage: {stages}")
        base, warm, cold = sides["in-process"], sides["warm"], sides["cold"]
        warm_ratios.append(ratio(warm, base))
        cold_ratios.append(ratio(cold, base))
        print(f"| {Path(file).name} | {base.median:.2f} | {warm.median:.2f} | {cold.median:.2f} | "
              f"{ratio(warm, base):.2f} | {ratio(cold, base):.2f} | {base.label} |")
    print(f"\nmedian ratio warm gate / in-process: {statistics.median(warm_ratios):.2f} (aim <= 1.3); "
          f"cold gate / in-process: {statistics.median(cold_ratios):.2f}")
    pool.shutdown()
    first = run_script(ROOT, home, FIRST, str(ROOT / args.files[0]), json.dumps(args.seeds))
    print(f"fresh interpreter, {Path(args.files[0]).name}: first warm check {first[0]:.2f} s (both sandboxes "
          f"start), then {statistics.median(first[1:]):.2f} s")


if __name__ == "__main__":
    main()
