"""Verdict fidelity with the reference environment: the same task code, judged on both sides.

Takes the path of a reference checkout (GenSim) and a Python that can import its `cliport`.
For GenSim's generated task files (its `cliport/generated_tasks/*.py`) and the built-in tasks
both sides have, seeds 0 and 2:

- reference: `bench/ref_episodes.py` under the reference's Python runs its `Environment` and
  oracle in its data-collection loop; an episode succeeds when its total reward exceeds 0.99;
- gensim: `gensim tasks check` (a file is checked in the sandbox, a built-in in process); an
  episode succeeds when the replay says so for that seed within the task's `max_steps` (the
  checker lets the expert run on past it, and names such seeds in a `budget` failure) and
  leaves nothing off the table (a seed named by a `bounds` failure fails); a task passes here
  only when the gate admits it (stage `done`), exactly as `gensim tasks import` would.

Results are cached per (side, task) as JSON under `--cache` (default /tmp/gensim-fidelity), so
a rerun after a fix only redoes the side named by `--redo`. Prints markdown tables: totals,
agreement per (task, seed), tasks passing 2/2 on each side, passing only here / only there,
seconds per episode, and the verdict of every task and seed. `--write` puts them into
BENCHMARKS.md between this script's markers. Task code only runs in child processes.

`--ref-from-table` seeds the reference's side of the cache from the verdict table already
between the markers (a full reference side takes hours on a loaded machine; its code does not
change between our runs): every task without a cached reference result gets the table's
per-seed verdicts, marked as such, and the written output says which tasks' reference side was
run again here (`--ref-label` names the table's run). `--redo ref --only NAME` reruns a few.

    python bench/fidelity.py --ref-root REF/GenSim --ref-python REF/venv/bin/python --jobs 2 --write
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).with_name("ref_episodes.py")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.benchmarks_md import write_block  # noqa: E402

BEGIN, END = "<!-- fidelity:begin -->", "<!-- fidelity:end -->"
SEEDS = [0, 2]


def _ref_lines(stdout: str, marker: str) -> list[dict[str, Any]]:
    return [json.loads(line[len(marker) + 1:]) for line in stdout.splitlines() if line.startswith(marker + " ")]


def ref_lists(args: argparse.Namespace) -> dict[str, list[str]]:
    done = subprocess.run([args.ref_python, str(RUNNER), "--ref-root", args.ref_root, "--list"],
                          capture_output=True, text=True, check=True)
    return _ref_lines(done.stdout, "REFLIST")[0]


def run_ref(args: argparse.Namespace, name: str) -> dict[str, Any]:
    cmd = [args.ref_python, str(RUNNER), "--ref-root", args.ref_root, "--tasks", name,
           "--seeds", *map(str, SEEDS)]
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, check=False)
        episodes = _ref_lines(done.stdout, "REFRESULT")
    except subprocess.TimeoutExpired:
        episodes = []
    by_seed = {int(e["seed"]): e for e in episodes}
    return {"seeds": {str(s): by_seed.get(s, {"ok": False, "error": "no result (crash or timeout)",
                                               "seconds": 0.0}) for s in SEEDS},
            "wall_s": time.perf_counter() - start}


def run_ours(args: argparse.Namespace, name: str, file: str | None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "gensim.cli.main", "tasks", "check"]
    cmd += ["--file", file] if file else [name]
    cmd += ["--seeds", str(len(SEEDS)), "--json"]
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, check=False, cwd=ROOT)
        out = done.stdout
        verdict = json.loads(out[out.index("{"):]) if "{" in out else {}
        error = "" if verdict else done.stderr.strip()[-300:]
    except (subprocess.TimeoutExpired, json.JSONDecodeError, ValueError) as err:
        verdict, error = {}, f"{type(err).__name__}"
    per_seed_list = verdict.get("per_seed", verdict.get("successes"))  # the CLI: per_seed; the API: successes
    successes = list(per_seed_list) if isinstance(per_seed_list, list) else []
    seeds = list(verdict.get("seeds") or SEEDS)
    per_seed = {str(s): bool(successes[i]) if i < len(successes) else False for i, s in enumerate(seeds)}
    return {"seeds": {str(s): {"ok": per_seed.get(str(s), False)} for s in SEEDS},
            "stage": verdict.get("stage", "error"), "errors": (verdict.get("errors") or [error])[:3],
            "warnings": (verdict.get("warnings") or [])[:5], "seconds": float(verdict.get("seconds") or 0.0),
            "wall_s": time.perf_counter() - start}


def table_verdicts(text: str) -> dict[str, dict[str, Any]]:
    """The reference's per-seed verdicts from a verdict table this script wrote (the rows of
    `| task | reference (seeds 0, 2) | gensim ... |` between its markers), as cache records."""
    if BEGIN not in text or END not in text:
        return {}
    block = text[text.index(BEGIN): text.index(END)]
    found: dict[str, dict[str, Any]] = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not re.fullmatch(r"(ok|--)( (ok|--))*", cells[1]):
            continue
        marks = cells[1].split()
        if len(marks) != len(SEEDS):
            continue
        error = re.search(r"ref: (.*?)(?:; ours: |$)", cells[4])
        seeds = {str(s): {"ok": m == "ok", "seconds": 0.0, "from_table": True,
                          **({"error": error.group(1)} if error and m != "ok" else {})}
                 for s, m in zip(SEEDS, marks, strict=True)}
        found[cells[0]] = {"seeds": seeds, "wall_s": 0.0, "from_table": True}
    return found


def seed_ref_cache(cache: Path, names: list[str], text: str) -> list[str]:
    """Write the table's reference verdicts into the cache for tasks that have none; returns
    the names seeded."""
    verdicts = table_verdicts(text)
    seeded = []
    for name in names:
        path = cache / "ref" / f"{name}.json"
        if name in verdicts and not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(verdicts[name]))
            seeded.append(name)
    return seeded


def within_budget(ours: dict[str, Any]) -> dict[str, Any]:
    """Our side's per-seed verdicts as the reference's loop would give them: a seed that the
    expert completed only after the task's `max_steps` (named by a `budget` failure; the checker
    lets it run on to tell "too slow" from "fails") is not a success there."""
    if ours.get("stage") != "budget":
        return ours
    slow = {m for err in ours.get("errors") or [] for m in re.findall(r"seed (\d+) \(max_steps=", err or "")}
    seeds = {s: dict(e, ok=False, after_budget=True) if s in slow and e.get("ok") else e
             for s, e in ours["seeds"].items()}
    return dict(ours, seeds=seeds)


def gate_judged(ours: dict[str, Any]) -> dict[str, Any]:
    """Our side as the gate judges it: `within_budget`, and a seed named by a `bounds` failure
    (an object off the table after reset or at the end) is not a success either; `admitted`
    says whether the gate admits the task (stage `done`), which is what a pass here means, as
    for `gensim tasks import`."""
    judged = within_budget(ours)
    if judged.get("stage") == "bounds":
        off = {m for err in judged.get("errors") or [] for m in re.findall(r"seed (\d+):", err or "")}
        judged = dict(judged, seeds={s: dict(e, ok=False, off_table=True) if s in off and e.get("ok") else e
                                     for s, e in judged["seeds"].items()})
    return dict(judged, admitted=judged.get("stage") == "done")


def passes_here(ours: dict[str, Any]) -> bool:
    """A task passes here when the gate admits it and every checked seed succeeded."""
    return bool(ours.get("admitted", ours.get("stage") == "done")) and all(e["ok"] for e in ours["seeds"].values())


def cached(cache: Path, side: str, name: str, redo: bool, make: Any) -> dict[str, Any]:
    path = cache / side / f"{name}.json"
    if path.is_file() and not redo:
        return dict(json.loads(path.read_text()))
    result = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result))
    return dict(result)


def targets(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    from gensim.tasks.registry import builtin_specs

    lists = ref_lists(args)
    folder = Path(args.ref_root) / "cliport" / "generated_tasks"
    chosen: list[tuple[str, str | None]] = []
    if not args.no_builtins:
        ours = {s.name for s in builtin_specs()}
        chosen += [(n, None) for n in lists["builtin"] if n in ours and n != "gen-task"]
    chosen += [(p.stem.replace("_", "-"), str(p)) for p in sorted(folder.glob("*.py"))
               if not p.name.startswith("__")]
    if args.only:
        chosen = [t for t in chosen if any(o in t[0] for o in args.only)]
    return chosen[: args.limit] if args.limit else chosen


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def mark(side: dict[str, Any]) -> str:
    """Per-seed verdicts as `ok` / `--`."""
    return " ".join("ok" if side["seeds"][str(s)]["ok"] else "--" for s in SEEDS)


def provenance(results: dict[str, dict[str, Any]], label: str) -> str:
    """One sentence on where the reference's verdicts come from, when some were read from a
    previous table."""
    from_table = sorted(t for t in results if results[t]["ref"].get("from_table"))
    if not from_table:
        return ""
    rerun = sorted(t for t in results if not results[t]["ref"].get("from_table"))
    return (f"Reference verdicts from {label}, reference unchanged; re-run here for "
            + (f"tasks {', '.join(rerun)}" if rerun else "no task")
            + ". Its seconds per episode are those of the re-run tasks only.")


def table(results: dict[str, dict[str, Any]], generated: set[str], label: str = "a previous run") -> str:
    def stats(names: list[str]) -> list[str]:
        n = len(names)
        ref_ok = {(t, s) for t in names for s in map(str, SEEDS) if results[t]["ref"]["seeds"][s]["ok"]}
        our_ok = {(t, s) for t in names for s in map(str, SEEDS) if results[t]["ours"]["seeds"][s]["ok"]}
        ref_2 = {t for t in names if all((t, str(s)) in ref_ok for s in SEEDS)}
        our_2 = {t for t in names if passes_here(results[t]["ours"])}
        agree = sum(((t, s) in ref_ok) == ((t, s) in our_ok) for t in names for s in map(str, SEEDS))
        pairs = n * len(SEEDS)
        ref_s = [e.get("seconds", 0.0) for t in names for e in results[t]["ref"]["seeds"].values() if e.get("seconds")]
        our_s = [results[t]["ours"]["seconds"] / len(SEEDS) for t in names if results[t]["ours"]["seconds"]]
        ratio = mean(ref_s) / mean(our_s) if mean(our_s) else 0.0
        return [str(n), f"{len(ref_2)} / {len(our_2)}", f"{len(ref_ok)} / {len(our_ok)} of {pairs}",
                str(len(ref_2 & our_2)), str(len(our_2 - ref_2)), str(len(ref_2 - our_2)),
                f"{agree} / {pairs} ({100 * agree / max(pairs, 1):.1f}%)",
                f"{mean(ref_s):.1f} / {mean(our_s):.1f} ({ratio:.1f}x)"]

    gen = sorted(t for t in results if t in generated)
    built = sorted(t for t in results if t not in generated)
    source = provenance(results, label)
    lines = [f"Seeds {SEEDS}; reference / gensim. A seed succeeds within the task's `max_steps` on both sides "
             "(here also with nothing off the table: a seed named by a `bounds` failure fails). A task passes "
             "2/2 here only when the gate admits it (stage `done`), as `gensim tasks import` would; "
             "'only here' = passes here but not 2/2 in the reference." + (" " + source if source else ""), "",
             "| set | tasks | passing 2/2 | seeds succeeded | passing in both | only here | only there "
             "| agreement per (task, seed) | s per episode (ref / ours: reset+expert; ours incl. replay) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, names in (("generated files", gen), ("built-ins", built)):
        if names:
            lines.append(f"| {label} | " + " | ".join(stats(names)) + " |")
    lines += ["", "<details><summary>Verdicts per task and seed</summary>", "",
              "| task | reference (seeds 0, 2) | gensim (seeds 0, 2) | gensim stage | note |", "|---|---|---|---|---|"]
    for t in gen + built:
        r, o = results[t]["ref"], results[t]["ours"]
        err = next((e.get("error") for e in r["seeds"].values() if e.get("error")), "") or ""
        note = (f"ref: {err}" if err else "") + ("; " if err and o["errors"] else "") + \
            (f"ours: {o['errors'][0]}" if o["errors"] and o["errors"][0] else "")
        if all(e["ok"] for e in o["seeds"].values()) and not passes_here(o):
            note = f"not admitted (`{o['stage']}`) after its seeds succeeded: not passing here; " + note
        note = re.sub(r"[|\n]", " ", note)[:160]
        lines.append(f"| {t} | {mark(r)} | {mark(o)} | {o['stage']} | {note} |")
    lines += ["", "</details>"]
    return "\n".join(lines)


def write(md: str) -> None:
    write_block(BEGIN, END, 'Verdict fidelity with the reference (`bench/fidelity.py`)', md)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ref-root", required=True, help="the GenSim checkout")
    parser.add_argument("--ref-python", required=True, help="a Python that can import its cliport")
    parser.add_argument("--jobs", type=int, default=2, help="tasks run in parallel per side")
    parser.add_argument("--cache", default="/tmp/gensim-fidelity", help="folder of cached results")
    parser.add_argument("--redo", choices=["none", "ours", "ref", "both"], default="none")
    parser.add_argument("--only", nargs="*", default=[], help="substrings of task names to keep")
    parser.add_argument("--limit", type=int, default=0, help="first N tasks only (0: all)")
    parser.add_argument("--no-builtins", action="store_true")
    parser.add_argument("--timeout", type=float, default=1200.0, help="s per task and side")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--cached-only", action="store_true", help="tables from cached results only")
    parser.add_argument("--sides", choices=["both", "ours", "ref"], default="both",
                        help="run only one side (the other is read from the cache when there)")
    parser.add_argument("--reverse", action="store_true", help="run the tasks in reverse order")
    parser.add_argument("--ref-from-table", action="store_true",
                        help="seed the reference's cache from the verdict table in BENCHMARKS.md")
    parser.add_argument("--ref-label", default="a previous run",
                        help="the run the table's reference verdicts come from, for the output")
    args = parser.parse_args()
    cache = Path(args.cache)
    chosen = targets(args)
    if args.ref_from_table:
        from bench.benchmarks_md import PATH as md_path

        seeded = seed_ref_cache(cache, [name for name, _ in chosen], md_path.read_text(encoding="utf-8"))
        print(f"reference verdicts of {len(seeded)} tasks read from the table", file=sys.stderr)
    if args.sides == "ours":  # a task without the reference's verdict is left out of the tables anyway
        chosen = [t for t in chosen if (cache / "ref" / f"{t[0]}.json").is_file()]
    if args.cached_only:
        chosen = [t for t in chosen if all((cache / side / f"{t[0]}.json").is_file() for side in ("ref", "ours"))]
    generated = {name for name, file in chosen if file}
    if args.reverse:
        chosen.reverse()

    def one(target: tuple[str, str | None]) -> tuple[str, dict[str, Any] | None]:
        name, file = target
        sides: dict[str, Any] = {}
        for side, make in (("ref", lambda: run_ref(args, name)), ("ours", lambda: run_ours(args, name, file))):
            path = cache / side / f"{name}.json"
            if args.sides in ("both", side):
                sides[side] = cached(cache, side, name, args.redo in (side, "both"), make)
            elif path.is_file():
                sides[side] = json.loads(path.read_text())
        if len(sides) < 2:
            return name, None
        ref, ours = sides["ref"], gate_judged(sides["ours"])
        print(f"{name}: ref {[e['ok'] for e in ref['seeds'].values()]} ours "
              f"{[e['ok'] for e in ours['seeds'].values()]} {ours['stage']}", file=sys.stderr, flush=True)
        return name, {"ref": ref, "ours": ours}

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = {name: r for name, r in pool.map(one, chosen) if r is not None}
    md = table(results, generated, args.ref_label)
    print(md)
    if args.write:
        write(md)


if __name__ == "__main__":
    main()
