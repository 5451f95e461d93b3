"""Importing a folder of model-written task files as a user would: `gensim tasks import DIR`.

Takes the path of a reference checkout (GenSim) and imports its generated task files
(`cliport/generated_tasks/*.py`, read in place; nothing is copied) into a fresh home:

1. `gensim tasks import DIR --seeds 2 --rename-builtins`, stopped with SIGINT after
   `--interrupt-after` seconds (a user's Ctrl-C); the lines printed before it are the entries
   it finished;
2. the same command again (`--json`): entries stored by run 1 come back `unchanged` (the
   interrupt lost nothing), the rest are checked; the import's time is run 1 + run 2;
3. the same command a third time: every entry `unchanged`, nothing checked (idempotence), the
   baseline against which the checking cost is a ratio.

With `--fidelity-cache` (bench/fidelity.py's cache), the admitted set is compared with the
per-file `gensim tasks check --seeds 2` verdicts there. Writes the results as JSON (`--out`)
and, with `--write`, a markdown block into BENCHMARKS.md between this script's markers. The
home is kept (`--home`) for bench/bench_search.py. Task code only runs in the sandbox.

    python bench/bench_import.py --ref-root REF/GenSim --home /tmp/import-home --write
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.benchmarks_md import write_block  # noqa: E402

BEGIN, END = "<!-- import:begin -->", "<!-- import:end -->"
OUTCOMES = ("admitted", "rejected", "unchanged")


def _cmd(folder: Path, json_out: bool) -> list[str]:
    cmd = [sys.executable, "-m", "gensim.cli.main", "tasks", "import", str(folder), "--seeds", "2",
           "--rename-builtins"]
    return cmd + (["--json"] if json_out else [])


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, GENSIM_HOME=str(home), GENSIM_TRACKING_SYNC="0")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def interrupted_run(folder: Path, home: Path, after_s: float) -> dict[str, Any]:
    """Run the import, send SIGINT after `after_s` seconds; the entries it reported and its exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(_cmd(folder, False), cwd=ROOT, env=_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        proc.wait(timeout=after_s)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    lines = [line.split()[0] for line in out.splitlines() if line.split() and line.split()[0] in OUTCOMES]
    return {"wall_s": time.perf_counter() - start, "rc": proc.returncode, "entries": len(lines),
            "stderr": err.strip().splitlines()[-1:] if err.strip() else []}


def json_run(folder: Path, home: Path) -> dict[str, Any]:
    start = time.perf_counter()
    done = subprocess.run(_cmd(folder, True), cwd=ROOT, env=_env(home), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    try:
        doc = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"import printed no JSON (exit {done.returncode}): {done.stderr.strip()[-500:]}") from None
    return {"wall_s": wall, "rc": done.returncode, "report": doc}


def fidelity_passes(cache: Path) -> set[str] | None:
    """Tasks (kebab names) whose per-file `gensim tasks check` passed the whole gate (stage
    `done`) in bench/fidelity.py's cache; None without a cache."""
    ours = cache / "ours"
    if not ours.is_dir():
        return None
    return {p.stem.lower() for p in ours.glob("*.json") if json.loads(p.read_text()).get("stage") == "done"}


def fidelity_check(cache: Path, entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The admitted set against the per-file check verdicts of bench/fidelity.py's cache."""
    passes = fidelity_passes(cache)
    if passes is None:
        return None
    final = {e["name"]: e for e in entries}
    names = {n for n, e in final.items() if e.get("status") == "admitted"}
    passes &= set(final)  # the cache also holds built-ins
    return {"passing_there": len(passes), "admitted_here": len(names), "both": len(names & passes),
            "only_import": sorted(names - passes), "only_check": sorted(passes - names)}


def gate_stages(entries: list[dict[str, Any]]) -> dict[str, int]:
    """Rejections per gate stage (the reason's first word: `success`, `bounds`, `budget`...;
    the pipeline files them all under its coarser stage `success`)."""
    out: dict[str, int] = {}
    for e in entries:
        if e.get("status") == "rejected":
            stage = str(e.get("reason") or e.get("stage") or "?").split(":")[0].strip() or "?"
            out[stage] = out.get(stage, 0) + 1
    return out


def summarise(args: argparse.Namespace, first: dict[str, Any], second: dict[str, Any],
              third: dict[str, Any]) -> dict[str, Any]:
    entries = second["report"]["entries"]
    final = {e["name"]: e for e in entries}
    admitted = sorted(n for n, e in final.items() if e.get("status") == "admitted")
    rejected = {n: e for n, e in final.items() if e.get("status") == "rejected"}
    stages = gate_stages(entries)
    seconds = [e["seconds"] for e in entries if e.get("seconds")]
    warned = [n for n, e in final.items() if e.get("warnings")]
    again = third["report"]["entries"]
    result: dict[str, Any] = {
        "files": len(entries), "admitted": len(admitted), "rejected": len(rejected), "rejected_by_stage": stages,
        "with_warnings": len(warned),
        "run1": {"wall_s": round(first["wall_s"], 1), "rc": first["rc"], "entries_reported": first["entries"],
                 "last_line": first["stderr"]},
        "run2": {"wall_s": round(second["wall_s"], 1), "rc": second["rc"],
                 "unchanged": sum(e["outcome"] == "unchanged" for e in entries),
                 "checked": sum(e["outcome"] != "unchanged" for e in entries)},
        "run3": {"wall_s": round(third["wall_s"], 1), "rc": third["rc"],
                 "unchanged": sum(e["outcome"] == "unchanged" for e in again), "entries": len(again),
                 "same_verdicts": all(final[e["name"]].get("status") == e.get("status") for e in again)},
        "import_wall_s": round(first["wall_s"] + second["wall_s"], 1),
        "seconds_per_checked_file": {"median": round(statistics.median(seconds), 1) if seconds else None,
                                     "max": round(max(seconds), 1) if seconds else None},
        "rejections": {n: f"{e.get('stage')}: {' '.join(str(e.get('reason')).split())[:140]}"
                       for n, e in sorted(rejected.items())},
    }
    fc = fidelity_check(Path(args.fidelity_cache), entries) if args.fidelity_cache else None
    if fc is not None:
        result["fidelity_check"] = fc
    return result


def markdown(r: dict[str, Any]) -> str:
    lines = [
        f"`gensim tasks import` of GenSim's `cliport/generated_tasks/` ({r['files']} task files, read in place; "
        "`--seeds 2 --rename-builtins`, a fresh home, each file checked in the sandbox on seeds 0 and 2):",
        "",
        "| | value |", "|---|---|",
        f"| files | {r['files']} |",
        f"| admitted | {r['admitted']} |",
        f"| rejected (one line each, stored with the verdict), by gate stage | {r['rejected']}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(r["rejected_by_stage"].items())) + " |",
        f"| files whose check recorded warnings (absorbed habits) | {r['with_warnings']} |",
        f"| run 1, SIGINT after {r['run1']['wall_s']:.0f} s | exit {r['run1']['rc']}, "
        f"{r['run1']['entries_reported']} entries finished and reported |",
        f"| run 2, same command | {r['run2']['unchanged']} unchanged (stored by run 1), {r['run2']['checked']} "
        f"checked, {r['run2']['wall_s']:.0f} s |",
        f"| import, total (run 1 + run 2) | {r['import_wall_s'] / 60:.1f} min; median "
        f"{r['seconds_per_checked_file']['median']} s per checked file (max {r['seconds_per_checked_file']['max']} s) |",
        f"| run 3, same command again (baseline: nothing to check) | {r['run3']['unchanged']}/{r['run3']['entries']} "
        f"unchanged, same verdicts: {r['run3']['same_verdicts']}, {r['run3']['wall_s']:.1f} s "
        f"(the import is {r['import_wall_s'] / max(r['run3']['wall_s'], 1e-9):.0f}x that) |",
    ]
    fc = r.get("fidelity_check")
    if fc:
        lines += ["", f"Against bench/fidelity.py's per-file `gensim tasks check --seeds 2` verdicts (its cache, "
                  f"possibly from older code): {fc['passing_there']} pass the whole gate there, {fc['admitted_here']} "
                  f"admitted here, {fc['both']} both; admitted only by the import: "
                  f"{', '.join(fc['only_import']) or 'none'}; passing only in the cached check: "
                  f"{', '.join(fc['only_check']) or 'none'}."]
    return "\n".join(lines)


def write(md: str) -> None:
    write_block(BEGIN, END, "Importing GenSim's generated tasks", md)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref-root", help="reference checkout (GenSim), read only")
    parser.add_argument("--home", help="GENSIM_HOME to create (must not exist yet)")
    parser.add_argument("--interrupt-after", type=float, default=300.0, help="seconds before run 1's SIGINT")
    parser.add_argument("--fidelity-cache", default=None, help="bench/fidelity.py's --cache folder")
    parser.add_argument("--out", default=None, help="write the results here as JSON")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--from-json", default=None, help="only render the results of an earlier --out file")
    args = parser.parse_args()
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        result = saved["result"]
        result["rejected_by_stage"] = gate_stages(saved["entries"])
        fc = fidelity_check(Path(args.fidelity_cache), saved["entries"]) if args.fidelity_cache else None
        if fc is not None:
            result["fidelity_check"] = fc
        print(markdown(result))
        if args.write:
            write(markdown(result))
        return
    if not args.ref_root or not args.home:
        parser.error("--ref-root and --home are required (except with --from-json)")
    folder = Path(args.ref_root) / "cliport" / "generated_tasks"
    home = Path(args.home)
    if not folder.is_dir():
        raise SystemExit(f"no {folder}")
    if home.exists():
        raise SystemExit(f"{home} exists: the bench starts from a fresh home")
    first = interrupted_run(folder, home, args.interrupt_after)
    print(f"run 1: exit {first['rc']} after {first['wall_s']:.0f} s, {first['entries']} entries", flush=True)
    second = json_run(folder, home)
    print(f"run 2: exit {second['rc']} after {second['wall_s']:.0f} s", flush=True)
    third = json_run(folder, home)
    result = summarise(args, first, second, third)
    if args.out:
        Path(args.out).write_text(json.dumps({"result": result, "entries": second["report"]["entries"]}, indent=1))
    md = markdown(result)
    print(md)
    if args.write:
        write(md)


if __name__ == "__main__":
    main()
