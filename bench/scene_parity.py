"""Scene parity with the reference environment: same seed, same objects, sizes, colours, poses.

For every built-in task that the reference also has and for a spread of its generated task
files (`--files`, default 20, every k-th of the sorted folder), seeds 0..4: reset the task
on both sides (`bench/scene_probe.py`, one process per task and side; the reference runs
under its own Python) and compare the bodies the task registered, in registration order
within each category:

- object: same asset name (file name without folder, template suffix and random tag);
- size: extents in the body's own frame within 2 mm on every axis;
- colour: RGB within 0.02 on every channel;
- pose: placed (before any physics step) within 5 mm of the reference's position.

Shares are over the reference's bodies (a body missing here counts against every column).
Task code of the generated files only runs in the probe processes, never in this one.

    python bench/scene_parity.py --ref-root REF/GenSim --ref-python REF/venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

PROBE = Path(__file__).with_name("scene_probe.py")
MARK = "@@scene-probe "  # the probe's record mark (see scene_probe.py)
POSE_TOL = 0.005  # m
SIZE_TOL = 0.002  # m
COLOR_TOL = 0.02  # RGB in [0, 1]


def probe(python: str, side: str, target: dict[str, str], seeds: list[int], ref_root: str,
          timeout: float, extra: tuple[str, ...] = ()) -> dict[int, dict[str, Any]]:
    """Seed -> the probe's record of one task on one side (an `error` record on failure)."""
    cmd = [python, str(PROBE), "--side", side, "--seeds", *map(str, seeds), *extra]
    cmd += ["--ref-root", ref_root] if side == "ref" else []
    cmd += ["--task", target["task"]] if "task" in target else ["--file", target["file"]]
    root = str(Path(__file__).resolve().parents[1])
    cwd, env = ref_root, dict(os.environ)
    if side == "ours":  # this checkout's gensim, whatever the interpreter has installed
        cwd, env["PYTHONPATH"] = root, os.pathsep.join([root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env,
                              check=False)
        lines = done.stdout.splitlines()
    except subprocess.TimeoutExpired:
        lines = []
    out: dict[int, dict[str, Any]] = {}
    for line in lines:
        if MARK in line:
            record = json.loads(line.split(MARK, 1)[1])
            out[int(record["seed"])] = record
    for seed in seeds:
        out.setdefault(seed, {"error": "no output (crash or timeout)"})
    return out


def cached_ref(folder: str, label: str, seeds: list[int]) -> dict[int, dict[str, Any]] | None:
    """The reference's records of a task from `--ref-cache` when every seed is there without
    an error (the reference's scenes do not change between runs; its probe is the slow side)."""
    path = Path(folder) / f"{label}.jsonl" if folder else None
    if path is None or not path.is_file():
        return None
    records = {}
    for line in path.read_text().splitlines():
        if MARK in line:
            record = json.loads(line.split(MARK, 1)[1])
            records[int(record["seed"])] = record
    if any(seed not in records or "error" in records[seed] for seed in seeds):
        return None
    return {seed: records[seed] for seed in seeds}


def store_ref(folder: str, label: str, records: dict[int, dict[str, Any]]) -> None:
    """Keep the reference's records of a task for later runs (`--ref-cache`)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    lines = [MARK + json.dumps(r) for r in records.values() if "error" not in r]
    (Path(folder) / f"{label}.jsonl").write_text("\n".join(lines) + "\n")


def compare(ref: list[dict[str, Any]], ours: list[dict[str, Any]]) -> dict[str, int]:
    """Counts of matching bodies per column, pairing bodies by category and order."""
    counts = {"bodies": len(ref), "ours": len(ours), "object": 0, "size": 0, "color": 0, "pose": 0}
    by_cat: dict[str, list[dict[str, Any]]] = {}
    for body in ours:
        by_cat.setdefault(body["category"], []).append(body)
    seen: dict[str, int] = {}
    for body in ref:
        cat = body["category"]
        i = seen.get(cat, 0)
        seen[cat] = i + 1
        if i >= len(by_cat.get(cat, [])):
            continue
        other = by_cat[cat][i]
        counts["object"] += int(body["name"] == other["name"])
        counts["size"] += int(all(abs(a - b) <= SIZE_TOL for a, b in zip(body["extents"], other["extents"], strict=True)))
        counts["color"] += int(all(abs(a - b) <= COLOR_TOL for a, b in zip(body["rgba"][:3], other["rgba"][:3], strict=True)))
        dist = sum((a - b) ** 2 for a, b in zip(body["pos"], other["pos"], strict=True)) ** 0.5
        counts["pose"] += int(dist <= POSE_TOL)
    return counts


def ref_names(python: str, ref_root: str) -> list[str]:
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); from cliport import tasks; "
            "print(json.dumps(sorted(tasks.names)))")
    done = subprocess.run([python, "-c", code, ref_root], capture_output=True, text=True, cwd=ref_root,
                          check=True)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def targets(args: argparse.Namespace) -> list[dict[str, str]]:
    from gensim.tasks.registry import builtin_specs

    known = set(ref_names(args.ref_python, args.ref_root))
    chosen = [{"task": s.name} for s in builtin_specs() if s.name in known]
    folder = Path(args.ref_root) / "cliport" / "generated_tasks"
    files = sorted(p for p in folder.glob("*.py") if not p.name.startswith("__"))
    if args.files > 0 and files:
        # every k-th file, leaving out those that are a built-in task under the same name (GenSim's
        # build_car.py is our build-car), so that the files add tasks of their own
        step = max(1, len(files) // args.files)
        builtins = {t["task"] for t in chosen}
        spread = [p for p in files[::step] if p.stem.replace("_", "-") not in builtins]
        chosen += [{"file": str(p)} for p in spread[: args.files]]
    if args.only:
        chosen = [t for t in chosen if any(o in t.get("task", t.get("file", "")) for o in args.only)]
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ref-root", required=True, help="the GenSim checkout")
    parser.add_argument("--ref-python", required=True, help="a Python that can import its cliport")
    parser.add_argument("--files", type=int, default=20, help="generated task files to include")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--only", nargs="*", default=[], help="substrings of task names to keep")
    parser.add_argument("--timeout", type=float, default=600.0, help="s per task and side")
    parser.add_argument("--json", default="", help="also write the per-task counts here")
    parser.add_argument("--jobs", type=int, default=1, help="tasks probed at the same time")
    parser.add_argument("--ref-cache", default="",
                        help="folder of the reference's probe records, one LABEL.jsonl per task: read "
                             "when complete for the seeds, written after probing otherwise")
    parser.add_argument("--their-assets", action="store_true",
                        help="also probe ours with the task objects loaded from the reference's asset "
                             "folder (read in place, never copied): separates asset from logic gaps")
    args = parser.parse_args()
    rows, totals = [], {"bodies": 0, "ours": 0, "object": 0, "size": 0, "color": 0, "pose": 0,
                        "size_theirs": 0, "pose_theirs": 0}
    seconds = {"ref": 0.0, "ours": 0.0}

    def run(target: dict[str, str]) -> tuple[str, dict[str, int], list[str], dict[str, float]]:
        label = target.get("task") or Path(target["file"]).stem.replace("_", "-")
        sides, spent = {}, {}
        for side, python in (("ref", args.ref_python), ("ours", sys.executable)):
            start = time.perf_counter()
            cached = cached_ref(args.ref_cache, label, args.seeds) if side == "ref" else None
            sides[side] = cached or probe(python, side, target, args.seeds, args.ref_root, args.timeout)
            if side == "ref" and args.ref_cache and not cached:
                store_ref(args.ref_cache, label, sides[side])
            spent[side] = time.perf_counter() - start
        if args.their_assets:
            assets = str(Path(args.ref_root) / "cliport" / "environments" / "assets")
            sides["theirs"] = probe(sys.executable, "ours", target, args.seeds, args.ref_root,
                                    args.timeout, ("--assets-from", assets))
        counts = {k: 0 for k in totals}
        errors = []
        for seed in args.seeds:
            ref, ours = sides["ref"][seed], sides["ours"][seed]
            if "error" in ref or "error" in ours:
                errors.append(f"{seed}:{'ref' if 'error' in ref else 'ours'}")
                if "error" in ref:
                    continue
            for key, value in compare(ref.get("objects", []), ours.get("objects", [])).items():
                counts[key] += value
            if args.their_assets and "error" not in sides["theirs"][seed]:
                other = compare(ref.get("objects", []), sides["theirs"][seed].get("objects", []))
                counts["pose_theirs"] += other["pose"]
                counts["size_theirs"] += other["size"]
        print(f"{label}: {counts} {errors}", file=sys.stderr, flush=True)
        return label, counts, errors, spent

    with ThreadPoolExecutor(args.jobs) as pool:
        for label, counts, errors, spent in pool.map(run, targets(args)):
            for key in totals:
                totals[key] += counts[key]
            for side in seconds:
                seconds[side] += spent[side]
            rows.append((label, counts, errors))
    print(f"\n### Scene parity, seeds {args.seeds[0]}..{args.seeds[-1]} (share of the reference's bodies)\n")
    theirs = args.their_assets
    extra_head = " size, their assets | pose, their assets |" if theirs else ""
    print("| task | bodies (ref / ours) | same object | size | colour | pose within 5 mm |" + extra_head
          + " errors |")
    print("|---|---|---|---|---|---|" + "---|" * (2 if theirs else 0) + "---|")

    def share(c: dict[str, int], key: str) -> str:
        return f"{c[key] / c['bodies']:.0%}" if c["bodies"] else "-"

    for label, c, errors in [*rows, ("**all**", totals, [])]:
        extra = f" {share(c, 'size_theirs')} | {share(c, 'pose_theirs')} |" if theirs else ""
        print(f"| {label} | {c['bodies']} / {c['ours']} | {share(c, 'object')} | {share(c, 'size')} "
              f"| {share(c, 'color')} | {share(c, 'pose')} |{extra} {' '.join(errors)} |")
    print(f"\nProbe time (one process per task and side, {len(args.seeds)} resets each, interpreter "
          f"start included): reference {seconds['ref']:.0f} s, ours {seconds['ours']:.0f} s "
          f"({seconds['ref'] / max(seconds['ours'], 1e-9):.1f}x).")
    if args.json:
        Path(args.json).write_text(json.dumps([{"task": r[0], **r[1], "errors": r[2]} for r in rows]))


if __name__ == "__main__":
    main()
