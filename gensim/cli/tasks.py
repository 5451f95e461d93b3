"""`gensim tasks`: list the registered tasks, check one (or a task file), render one."""

from __future__ import annotations

from pathlib import Path

import typer

from gensim.cli.common import console, fail, fail_from, out, print_json
from gensim.errors import GensimError

app = typer.Typer(help="List, check and render tasks.", no_args_is_help=True)

CHECK_FILE_TIMEOUT_S = 600.0  # s, wall clock (and CPU) for `check --file` in the sandbox


@app.command("list")
def list_tasks(json_out: bool = typer.Option(False, "--json", help="print one JSON list")) -> None:
    """List every registered task (built-in and registered sources) without importing task code.

    Example: `gensim tasks list --json`
    """
    from gensim.tasks.registry import all_specs

    specs = all_specs()
    if json_out:
        print_json([
            {"name": s.name, "version": s.version, "origin": s.origin, "tags": list(s.tags),
             "description": s.description}
            for s in specs
        ])
        return
    width = max((len(s.name) for s in specs), default=4)
    for s in specs:
        tags = ",".join(s.tags)
        out.print(f"{s.name:<{width}}  v{s.version}  {s.origin:<9} {tags}", highlight=False)
    console.print(f"{len(specs)} tasks")


def _seed_list(n: int) -> list[int]:
    if n < 1:
        fail("--seeds must be at least 1")
    return [2 * i for i in range(n)]  # the convention's train seeds: 0, 2, 4, ...


def _print_verdict(doc: dict, json_out: bool) -> None:
    if json_out:
        print_json(doc)
        return
    status = "[green]passed[/]" if doc["passed"] else f"[red]failed at {doc['stage']}[/]"
    marks = " ".join(f"{s}:{'ok' if ok else 'x'}" for s, ok in zip(doc["seeds"], doc["successes"], strict=False))
    out.print(f"{doc['name']} v{doc['version']}: {status}  success {doc['success_rate']:.2f}  "
              f"[{marks}]  {doc['seconds']:.1f} s")
    for err in doc["errors"]:
        out.print(f"  error: {err}", highlight=False, markup=False)
    for warning in doc["warnings"]:
        out.print(f"  warning: {warning}", highlight=False, markup=False)


@app.command("check")
def check(
    name: str = typer.Argument(None, help="registered task name"),
    file: Path = typer.Option(None, "--file", help="check a task file instead (in the sandbox)"),
    seeds: int = typer.Option(4, "--seeds", help="number of train seeds (0, 2, 4, ...)"),
    threshold: float = typer.Option(0.75, "--threshold", help="expert success rate needed"),
    timeout: float = typer.Option(CHECK_FILE_TIMEOUT_S, "--timeout", help="s, wall clock for --file"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Run the checker (load, reset, determinism, expert success, bounds, step budget).

    A registered task is checked in this process; a task file (untrusted code) in the sandbox.
    Exit code 1 when the task fails. Examples: `gensim tasks check place-red-in-green --json`,
    `gensim tasks check --file my_task.py --seeds 2`
    """
    seed_list = _seed_list(seeds)
    if (name is None) == (file is None):
        fail("give either a task NAME or --file PATH")
    if file is not None:
        doc = _check_file_sandboxed(file, len(seed_list), threshold, timeout)
    else:
        from gensim.tasks.checker import check_task
        from gensim.tasks.registry import get_spec

        try:
            spec = get_spec(name)
        except GensimError as err:
            fail_from(err)
        doc = check_task(spec, seeds=seed_list, threshold=threshold).to_json()
    _print_verdict(doc, json_out)
    if not doc["passed"]:
        raise typer.Exit(1)


def _check_file_sandboxed(file: Path, n_seeds: int, threshold: float, timeout: float) -> dict:
    """The checker's verdict on a task file, run in the sandbox (a separate, limited process)."""
    from gensim.sandbox.check import check_file
    from gensim.sandbox.runner import Limits
    from gensim.tasks.checker import JSON_KEYS

    limits = Limits(wall_s=timeout, cpu_s=max(1, int(timeout)))
    try:
        doc = check_file(file, [2 * i for i in range(n_seeds)], threshold, limits)
    except GensimError as err:
        fail_from(err)
    return {key: doc[key] for key in JSON_KEYS}


@app.command("render")
def render(
    name: str = typer.Argument(..., help="registered task name"),
    seed: int = typer.Option(0, "--seed", help="episode seed"),
    out_file: Path = typer.Option(..., "--out", help="PNG (or GIF with --gif) to write"),
    gif: bool = typer.Option(False, "--gif", help="write an expert rollout GIF instead"),
) -> None:
    """Render a task's scene after reset: top-down colour view and front view side by side.

    Examples: `gensim tasks render place-red-in-green --seed 0 --out scene.png`,
    `gensim tasks render sweeping-piles --seed 2 --out rollout.gif --gif`
    """
    from gensim.tasks.registry import get_spec
    from gensim.tasks.rendering import render_rollout_gif, render_scene_png

    try:
        spec = get_spec(name)
        path = render_rollout_gif(spec, seed, out_file) if gif else render_scene_png(spec, seed, out_file)
    except GensimError as err:
        fail_from(err)
    console.print(f"wrote {path}")
