"""`gensim tasks`: list the registered tasks, check one (or a task file), render one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from gensim.checking.conventions import CHECK_SEEDS, SUCCESS_RATE, train_seeds
from gensim.cli.common import console, fail, fail_from, out, print_json
from gensim.errors import GensimError

if TYPE_CHECKING:
    from gensim.generation.exchange import ImportEntry

app = typer.Typer(
    help="List, search, check, render, show, export and import tasks.\n\n"
         "Examples:\n  gensim tasks list\n  gensim tasks search \"stack blocks\"\n"
         "  gensim tasks check block-insertion --seeds 4",
    no_args_is_help=True,
)

CHECK_FILE_TIMEOUT_S = 600.0  # s, wall clock (and CPU) of each sandboxed job of `check`


@app.command("list")
def list_tasks(json_out: bool = typer.Option(False, "--json", help="print one JSON list")) -> None:
    """List every task (built-in, generated, imported) at its default version, without importing
    task code. The default version is the newest admitted one; the label says who wrote it.

    Examples:
      gensim tasks list
      gensim tasks list --json
    """
    from gensim.tasks.names import origin_label
    from gensim.tasks.registry import all_specs

    specs = all_specs()
    labels = [s.source or origin_label(s.origin) for s in specs]
    if json_out:
        print_json([
            {"name": s.name, "version": s.version, "origin": s.origin, "label": label, "tags": list(s.tags),
             "description": s.description}
            for s, label in zip(specs, labels, strict=True)
        ])
        return
    width = max((len(s.name) for s in specs), default=4)
    label_width = max((len(label) for label in labels), default=9)
    for s, label in zip(specs, labels, strict=True):
        tags = ",".join(s.tags)
        out.print(f"{s.name:<{width}}  v{s.version}  {label:<{label_width}} {tags}", highlight=False, markup=False)
    console.print(f"{len(specs)} tasks")


def _seed_list(n: int) -> list[int]:
    if n < 1:
        fail("--seeds must be at least 1")
    return train_seeds(n)


def printable(text: str) -> str:
    """`text` with control characters (escape sequences, carriage returns...) escaped."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in str(text))


def _print_verdict(doc: dict, json_out: bool) -> None:
    # The output contract: `successes` is the number of seeds the expert solved; the per-seed
    # outcomes (in `seeds` order) are `per_seed`.
    per_seed = doc["successes"] if isinstance(doc["successes"], list) else doc.get("per_seed", [])
    doc = {**doc, "successes": int(sum(bool(x) for x in per_seed)), "per_seed": [bool(x) for x in per_seed]}
    if json_out:
        print_json(doc)
        return
    status = "[green]passed[/]" if doc["passed"] else f"[red]failed at {doc['stage']}[/]"
    marks = " ".join(f"{s}:{'ok' if ok else 'x'}" for s, ok in zip(doc["seeds"], per_seed, strict=False))
    out.print(f"{printable(doc['name'])} v{doc['version']}: {status}  success {doc['success_rate']:.2f}  "
              f"[{marks}]  {doc['seconds']:.1f} s")
    # Messages may quote task code: control characters are shown escaped, never sent raw.
    for err in doc["errors"]:
        out.print(f"  error: {printable(err)}", highlight=False, markup=False)
    for warning in doc["warnings"]:
        out.print(f"  warning: {printable(warning)}", highlight=False, markup=False)
    for line in doc.get("disagreements") or []:
        out.print(f"  replay disagrees: {printable(line)}", highlight=False, markup=False)


@app.command("check")
def check(
    name: str = typer.Argument(None, help="registered task name"),
    file: Path = typer.Option(None, "--file", help="check a task file instead (in the sandbox)"),
    seeds: int = typer.Option(len(CHECK_SEEDS), "--seeds", help="number of train seeds (0, 2, 4, ...)"),
    threshold: float = typer.Option(SUCCESS_RATE, "--threshold", help="expert success rate needed"),
    timeout: float = typer.Option(CHECK_FILE_TIMEOUT_S, "--timeout", help="s, wall clock of each sandboxed job"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
    robot: str = typer.Option("none", "--robot", help="none (floating end effector) | panda (Franka arm)"),
) -> None:
    """Run the gate: static checks, the recorded expert, then the trusted replay (determinism,
    goals, replay, success, bounds, step budget).

    A built-in task is recorded and replayed in this process; any other task (a file, or a
    generated or imported task) in the sandbox. Both give the same verdict on the same code.
    Exit code 1 when the task fails.

    Examples:
      gensim tasks check place-red-in-green --json
      gensim tasks check --file my_task.py --seeds 2
      gensim tasks check block-insertion --robot panda
      gensim tasks check --file my_task.py --robot panda
    """
    from gensim.checking.gate import check_file, check_task
    from gensim.sandbox.runner import Limits
    from gensim.sim.arm import check_robot

    seed_list = _seed_list(seeds)
    if (name is None) == (file is None):
        fail("give either a task NAME or --file PATH")
    limits = Limits(wall_s=timeout, cpu_s=max(1, int(timeout)))
    try:
        check_robot(robot)
        if file is not None:
            verdict = check_file(file, seeds=seed_list, threshold=threshold, limits=limits, robot=robot)
        else:
            from gensim.tasks.registry import get_spec

            verdict = check_task(get_spec(name), seeds=seed_list, threshold=threshold, limits=limits,
                                 robot=check_robot(robot))
    except GensimError as err:
        fail_from(err)
    doc = {key: value for key, value in verdict.to_json().items() if key not in ("violations", "isolation")}
    _print_verdict(doc, json_out)
    if not doc["passed"]:
        raise typer.Exit(1)


@app.command("render")
def render(
    name: str = typer.Argument(..., help="registered task name"),
    seed: int = typer.Option(0, "--seed", help="episode seed"),
    out_file: Path = typer.Option(..., "--out", help="PNG (or GIF with --gif) to write"),
    gif: bool = typer.Option(False, "--gif", help="write an expert rollout GIF instead"),
    gui: bool = typer.Option(False, "--gui", help="also show PyBullet's window (built-in tasks; needs a display)"),
    robot: str = typer.Option("none", "--robot", help="none (floating end effector) | panda (Franka arm)"),
) -> None:
    """Render a task's scene after reset: top-down colour view and front view side by side.

    Generated and imported tasks are rendered in the sandbox (their code is untrusted).

    Examples:
      gensim tasks render place-red-in-green --seed 0 --out scene.png
      gensim tasks render sweeping-piles --seed 2 --out rollout.gif --gif
      gensim tasks render place-red-in-green --robot panda --out arm.gif --gif
    """
    from gensim.sim.arm import check_robot
    from gensim.tasks.registry import get_spec
    from gensim.tasks.rendering import render_rollout_gif, render_scene_png

    try:
        check_robot(robot)
        spec = get_spec(name)
        suffix = ".gif" if gif else ".png"
        if out_file.suffix.lower() != suffix:
            fail(f"--out must end with {suffix} (got {out_file.name})")
        if spec.code is not None:
            if gui:
                fail("--gui shows built-in tasks only: generated code runs in the sandbox, without a display")
            path = _render_sandboxed(spec.name, spec.code, seed, out_file, gif, robot)
        elif gif:
            path = render_rollout_gif(spec, seed, out_file, gui=gui, robot=robot)
        else:
            path = render_scene_png(spec, seed, out_file, gui=gui, robot=robot)
    except GensimError as err:
        fail_from(err)
    console.print(f"wrote {path}")


def _render_sandboxed(name: str, code: str, seed: int, out_file: Path, gif: bool, robot: str = "none") -> Path:
    from gensim.config import get_settings
    from gensim.sandbox import Limits, run_in_sandbox
    from gensim.sandbox.returned import unpack_files, write_file

    res = run_in_sandbox("gensim.generation.jobs:render_job",
                         {"code": code, "name": name, "seed": seed, "png": not gif, "gif": gif, "robot": robot},
                         Limits(wall_s=300, cpu_s=320), warm=get_settings().sandbox_warm)
    made = f"{name}{'.gif' if gif else '.png'}"
    try:
        data = unpack_files(res.result.get("files") if res.ok and isinstance(res.result, dict) else {}, [made])
    except ValueError as err:
        fail(f"rendering {name} failed in the sandbox: {err}", code=1)
    if made not in data:
        fail(f"rendering {name} failed in the sandbox: {res.error or 'no image'}", code=1)
    return write_file(out_file, data[made])


@app.command("search")
def search(
    query: str = typer.Argument(..., help="words or a task name fragment"),
    k: int = typer.Option(10, "--k", help="results at most"),
    origin: str = typer.Option(None, help="builtin | generated | imported"),
    tag: list[str] = typer.Option(None, "--tag", help="keep tasks with this tag (repeatable)"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Find tasks by meaning and by words (embedding similarity + keyword score).

    A score of 0.5 or more fits the query well; when no result does, a line on stderr says
    that nothing fits well before the closest tasks (--json: fits_well).

    Examples:
      gensim tasks search "stack blocks" --k 5
      gensim tasks search car --origin generated --json
    """
    from gensim.generation.library import sync_builtins
    from gensim.retrieval.adapters import hit_record, search_tasks

    try:
        sync_builtins()  # a built-in's version is the stored one of its current file, as in list/show
        hits = search_tasks(query, k, origin=origin, tags=tag or ())
    except GensimError as err:
        fail_from(err)
    from gensim.retrieval.search import GOOD_FIT_SCORE

    records = [hit_record(h) for h in hits]
    fits = any(r["fits_well"] for r in records)
    if json_out:
        print_json({"query": query, "fits_well": fits, "good_fit_score": GOOD_FIT_SCORE, "results": records})
        return
    if not records:
        out.print(f"no good match for '{query}'", highlight=False)
        return
    if not fits:
        console.print(f"nothing fits '{query}' well (best score {records[0]['score']:.3f} < "
                      f"{GOOD_FIT_SCORE}); the closest tasks:", highlight=False, markup=False, soft_wrap=True)
    width = max(len(r["name"]) for r in records)
    for r in records:
        out.print(f"{r['score']:.3f}  {r['name']:<{width}}  v{r['version']}  {r['origin']:<9} "
                  f"{r['description'][:90]}", highlight=False, markup=False)


@app.command("show")
def show(
    name: str = typer.Argument(..., help="task name"),
    version: int = typer.Option(None, help="version number (default: the newest admitted one)"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
    code: bool = typer.Option(True, help="print the code"),
) -> None:
    """Description, code, lineage (parents and children), verdicts, datasets, policies, MLflow runs.

    Examples:
      gensim tasks show build-car
      gensim tasks show build-car --version 2 --no-code --json
    """
    from gensim.generation.show import task_record

    try:
        doc = task_record(name, version)
    except GensimError as err:
        fail_from(err)
    if json_out:
        print_json(doc)
        return
    out.print(f"[bold]{doc['name']}[/] v{doc['version']} ({doc['label']}, {doc['status']}"
              + (f" at {doc['rejection_stage']}: {doc['rejection_reason']}" if doc["rejection_stage"] else "")
              + f")  tags: {', '.join(doc['tags'])}")
    out.print(doc["description"], highlight=False, markup=False)
    out.print("versions: " + ", ".join(f"v{x['version']} {x['status']}" for x in doc["versions"]))
    if doc["success_rate"] is not None:
        out.print(f"expert success {doc['success_rate']:.2f} on seeds {doc['seeds']}")
    if doc["provider"]:
        out.print(f"written by {doc['provider']} ({doc['model']}), campaign {doc['campaign_id']}")
    source = doc["source"]
    if source.get("kind") == "import":
        out.print(f"imported from {source.get('path')} (sha256 {str(source.get('sha256'))[:12]}, "
                  f"commit {source.get('commit') or 'none: not a git checkout'}, {source.get('imported_at')})",
                  highlight=False, markup=False)
    for w in doc["warnings"]:
        out.print(f"warning: {w}", highlight=False, markup=False)
    for key in ("parents", "children"):
        if doc[key]:
            out.print(f"{key}: " + ", ".join(f"{p['task']} v{p['version']} ({p['relation']})" for p in doc[key]),
                      highlight=False)
    from gensim.checking.stages import STAGES

    gate = {s.value for s in STAGES}
    for r in doc["validation"]:  # the gate's stages are one check, timed as a whole (below)
        seconds = "" if r["stage"] in gate else f"  {r['seconds']:.2f} s"
        out.print(f"  {r['stage']:<11} {'ok' if r['passed'] else 'FAILED'}{seconds}"
                  + (f"  {r['error'][:140]}" if r["error"] else ""), highlight=False, markup=False)
    checked = [r["seconds"] for r in doc["validation"] if r["stage"] in gate]
    if checked:
        out.print(f"  (the gate's {len(checked)} stages: one check of {sum(checked):.2f} s)", highlight=False)
    for d in doc["datasets"]:
        out.print(f"dataset {d['name']} ({d['split']}, {d['episodes']} episodes) at {d['path']}", highlight=False)
    for c in doc["policies"]:
        out.print(f"policy {c['model'] or c['path']}", highlight=False)
    if doc["mlflow"]:
        out.print(f"MLflow: {doc['mlflow']}", highlight=False)
    if code:
        out.print("")
        out.print(doc["code"], highlight=False, markup=False)


@app.command("export")
def export(
    out_dir: Path = typer.Argument(..., help="folder to write task files and manifest.json into"),
    origin: str = typer.Option(None, help="only tasks of this origin (builtin | generated | imported)"),
    names: str = typer.Option(None, help="comma-separated task names"),
    json_out: bool = typer.Option(False, "--json", help="print the manifest"),
) -> None:
    """Write task versions as task files plus a JSON manifest, to share a library.

    Example:
      gensim tasks export shared-tasks --origin generated
    """
    from gensim.generation.exchange import export_library

    try:
        manifest = export_library(out_dir, origin=origin, names=names.split(",") if names else None)
    except GensimError as err:
        fail_from(err)
    if json_out:
        print_json(manifest)
    else:
        out.print(f"exported {len(manifest['tasks'])} tasks to {out_dir}", highlight=False)


@app.command("import")
def import_(
    paths: list[Path] = typer.Argument(..., help="bundle folders (task files, with or without manifest.json) "
                                       "and single task files", metavar="PATH"),
    seeds: int = typer.Option(len(CHECK_SEEDS), help="distinct seeds of the expert check"),
    rename_builtins: bool = typer.Option(
        False, "--rename-builtins", help="store tasks named like a built-in as NAME-imported instead of rejecting them"),
    jobs: int = typer.Option(1, help="files checked at once (each check keeps about one core busy)"),
    index: bool = typer.Option(True, help="embed admitted tasks into the search index before returning"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Import task files; each is checked by name, then by the sandboxed checker, and stored with its verdict.

    A PATH is a folder of task files (a bundle, with or without manifest.json; `__init__.py`
    is skipped) or one task file. Files are read only from inside their folder (no absolute
    paths, `..`, links, devices), as bounded text; a file's task name is its stem in kebab case
    (`build_car.py` -> build-car). Names must be ASCII task ids and may not be a built-in's name
    or look like one (`--rename-builtins` stores them as NAME-imported instead). Each stored
    version records its source (path, sha256, git commit) and the checker's warnings.
    One line per entry as soon as it is known: admitted, rejected (stage and reason) or
    unchanged (the same code was imported before; its verdict stands, nothing is checked
    again, so rerunning after Ctrl-C goes on where it stopped). Exit code 1 when any entry is
    rejected, 2 when a path cannot be read.

    Example:
      gensim tasks import shared-tasks
      gensim tasks import gensim-tasks/ extra_task.py --rename-builtins --jobs 4 --json
    """
    from gensim.generation.exchange import import_paths

    if jobs < 1:
        fail("--jobs must be at least 1")
    try:
        report = import_paths(paths, seeds=tuple(_seed_list(seeds)), rename_builtins=rename_builtins,
                              on_entry=None if json_out else _print_entry, jobs=jobs)
    except GensimError as err:
        fail_from(err)
    if index and report.admitted:
        from gensim.retrieval.adapters import refresh_index

        if not json_out:
            console.print(f"indexing the library for search ({len(report.admitted)} new tasks)...", highlight=False)
        refresh_index()  # the next `gensim tasks search` does not embed them first
    if json_out:
        print_json(report.to_json())
    else:
        counts = {k: sum(e.outcome == k for e in report.entries) for k in ("admitted", "rejected", "unchanged")}
        line = ", ".join(f"{k} {n}" for k, n in counts.items())
        before = [e.status for e in report.entries if e.outcome == "unchanged"]
        if before:
            line += f" ({before.count('admitted')} admitted, {before.count('rejected')} rejected before)"
        out.print(line, highlight=False)
    if report.failed:
        raise typer.Exit(1)


def _print_entry(e: ImportEntry) -> None:
    """One report line of an import entry (printed as soon as the entry is decided)."""
    line = f"{e.outcome:<9} {e.name}"
    if e.stored_as and e.stored_as != e.name:
        line += f" as {e.stored_as}"
    if e.version is not None:
        line += f" v{e.version}"
    if e.outcome == "unchanged" and e.status:
        line += f" ({e.status})" if not e.reason else ""
    if e.stage:
        line += f" at {e.stage}: {_one_line(e.reason)}"
    elif e.reason:
        line += f" ({_one_line(e.reason)})"
    if e.warnings:
        line += f" [{len(e.warnings)} warning{'s' * (len(e.warnings) > 1)}: {_one_line(e.warnings[0], 80)}]"
    out.print(line, highlight=False, markup=False)


def _one_line(text: str | None, limit: int = 160) -> str:
    """A reason as one printable line (task code chooses its error messages: no escapes reach
    the terminal)."""
    from gensim.generation.bundle import shown

    flat = " ".join(str(text or "").split())
    return shown(flat, limit)
