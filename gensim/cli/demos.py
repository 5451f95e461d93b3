"""`gensim demos`: make expert demonstrations, list, verify and export datasets.

`gensim demos NAME ...` is short for `gensim demos make NAME ...`: the group routes a first
word that is not one of its commands (make, list, verify, control, export) to `make`.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from gensim.cli.common import (
    ProgressBar,
    console,
    fail_from,
    native_stderr_filtered,
    out,
    print_json,
)
from gensim.errors import GensimError
from gensim.tracking import run_link


class DemosGroup(TyperGroup):
    """A group whose unknown first word is the task NAME of `make`."""

    usage_metavar = "NAME | COMMAND [ARGS]..."  # the usage line (see cli.main.command)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["make", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=DemosGroup, no_args_is_help=True,
    help="Expert demonstrations: make them (`demos NAME` is short for `demos make NAME`), list "
         "them, verify them, export them.\n\n"
         "Examples:\n  gensim demos block-insertion -n 10 --split train\n  gensim demos list\n"
         "  gensim demos verify block-insertion-v1-train --repair\n"
         "  gensim demos export block-insertion-v1-train --format lerobot --out lerobot/",
)


@app.command("make")
def make(
    name: str = typer.Argument(..., help="registered task name (built-in or admitted)"),
    n: int = typer.Option(10, "-n", "--episodes", help="episodes the dataset holds when done"),
    split: str = typer.Option("train", "--split", help="train | val | test (seeds by the convention)"),
    workers: int = typer.Option(1, "--workers", "-w", help="parallel worker processes"),
    executor: str = typer.Option("local", "--executor", help="local (process pool) | ray"),
    views: bool = typer.Option(False, "--views", help="also store the three raw RGB-D camera views"),
    version: int = typer.Option(None, "--version", help="task version (default: newest admitted)"),
    out_dir: Path = typer.Option(None, "--out", help="dataset folder (default: under GENSIM_HOME/datasets)"),
    max_failures: int = typer.Option(None, "--max-failures", help="stop after this many failed attempts"),
    robot: str = typer.Option("none", "--robot", help="none (floating end effector) | panda (Franka arm; "
                              "episodes also hold the 20 Hz control stream)"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="nothing on stderr but errors"),
) -> None:
    """Play the task's expert on the split's seeds and store the successful episodes.

    Reruns resume (a larger -n appends). With --robot panda the dataset is NAME-vV-SPLIT-panda
    and each episode also holds the arm's 20 Hz control stream (export it with
    `demos export ... --format lerobot-control`). A generated or imported task is first checked
    with the arm, once per version (it was admitted with the floating end effector); exit 1 with
    one line when it fails with the arm.

    Examples:
      gensim demos block-insertion -n 100
      gensim demos make put-block-in-bowl-seen-colors -n 50 --split val --workers 2 --json
      gensim demos make place-red-in-green -n 10 --robot panda
    """
    from gensim.data.splits import check_request
    from gensim.tasks.registry import get_spec

    show = not (quiet or json_out)
    try:  # before the progress bar: bad input gets one line only (a read, no DB writes)
        check_request(n, split, workers, executor, robot)
        get_spec(name)
    except GensimError as err:
        fail_from(err)
    with native_stderr_filtered() if quiet else nullcontext(), \
            ProgressBar(f"demos {name} {split}", n, enabled=show, unit="episodes") as bar:

        def progress(event: dict[str, Any]) -> None:
            bar.update(event["episodes"], f"seed {event['seed']}, {event['failures']} failed")

        from gensim.data.demos import make_demos

        try:
            report = make_demos(name, n, split, workers=workers, executor=executor, views=views,
                                version=version, out=out_dir, max_failures=max_failures,
                                progress=progress if show else None, defer_tracking=True, robot=robot,
                                notice=bar.lines if show else None)
        except GensimError as err:
            fail_from(err)
    if json_out:
        print_json(report.to_json())
        return
    arm = f" ({report.robot})" if report.robot != "none" else ""
    out.print(f"{report.task} v{report.version} {report.split}{arm}: {report.episodes} episodes "
              f"(+{report.new_episodes}, {report.new_failures} failed) in {report.path}  "
              f"{report.bytes_per_episode / 1024:.1f} KiB/episode  "
              f"{report.episodes_per_minute:.1f} episodes/min", highlight=False)
    if report.stopped:
        console.print(f"stopped early: {report.stopped}", highlight=False)
    if not quiet:
        out.print(f"MLflow run {run_link(report.mlflow_url)}", highlight=False)


@app.command("list")
def list_cmd(
    json_out: bool = typer.Option(False, "--json", help="print one JSON list"),
    all_rows: bool = typer.Option(False, "--all", help="every snapshot, not only the newest per name"),
) -> None:
    """List the datasets recorded in the task DB (newest snapshot per name by default).

    Examples:
      gensim demos list
      gensim demos list --all --json
    """
    from gensim.data.catalog import list_datasets

    try:
        rows = list_datasets()
    except GensimError as err:
        fail_from(err)
    from gensim.data.manifest import bad_summary, check_dataset

    seen: set[str] = set()
    docs: list[dict[str, Any]] = []
    statuses: dict[str, str] = {}  # folder -> its state now (names and sizes, no hashing)
    for row, version_ids in rows:
        if not all_rows and row.name in seen:
            continue
        seen.add(row.name)
        if row.path not in statuses:
            statuses[row.path] = "ok"
            if not Path(row.path, "dataset.json").is_file():
                statuses[row.path] = "missing"
                console.print(f"[yellow]warning:[/] {row.name}: its folder {row.path} is gone",
                              highlight=False, soft_wrap=True)
            elif problems := [p for p in check_dataset(Path(row.path), quick=True) if p.bad]:
                statuses[row.path] = f"{len(problems)} bad"
                console.print(f"[yellow]warning:[/] {bad_summary(Path(row.path), problems)}; run "
                              f"`gensim demos verify {row.name}`", highlight=False, soft_wrap=True)
        status = statuses[row.path]
        docs.append({"id": row.id, "name": row.name, "split": row.split, "episodes": row.n_episodes,
                     "size_bytes": row.size_bytes, "digest": row.digest, "path": row.path,
                     "version_ids": version_ids, "mlflow_run_id": row.mlflow_run_id,
                     "created_at": str(row.created_at), "status": status})
    if json_out:
        print_json(docs)
        return
    for doc in docs:
        out.print(f"{doc['id']:>4}  {doc['name']:<45} {doc['episodes']:>6} episodes  "
                  f"{doc['size_bytes'] / 1e6:8.2f} MB  {doc['status']:<8} {doc['path']}", highlight=False)
    console.print(f"{len(docs)} datasets")


@app.command("verify")
def verify(
    dataset: str = typer.Argument(..., help="dataset folder, DB id or DB name"),
    repair: bool = typer.Option(False, "--repair", help="regenerate bad episodes (same seeds)"),
    workers: int = typer.Option(1, "--workers", "-w", help="parallel worker processes for --repair"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Check every episode against its recorded checksum; exit 1 when any is bad.

    Bad: missing, truncated, corrupted (checksum mismatch) or unreadable. --repair moves bad
    files to damaged/ and plays the same seeds again with the task version that made the
    dataset, so that its digest matches again.

    Examples:
      gensim demos verify block-insertion-v1-train
      gensim demos verify block-insertion-v1-train --repair --json
    """
    from gensim.data.catalog import resolve_dataset
    from gensim.data.verify import verify_dataset

    try:
        if workers < 1:
            from gensim.errors import UsageError

            raise UsageError("--workers must be at least 1")
        report = verify_dataset(resolve_dataset(dataset), repair=repair, workers=workers)
    except GensimError as err:
        fail_from(err)
    if json_out:
        print_json(report.to_json())
    else:
        for problem in report.problems:
            out.print(problem.line(), highlight=False)
        for fix in report.repairs:
            out.print(f"episodes/{fix.file} (seed {fix.seed}): {fix.result}"
                      f"{', ' + fix.detail if fix.detail else ''}", highlight=False)
        verdict = "ok" if report.ok else f"{len(report.bad)} bad"
        match = "matches" if report.digest == report.recorded_digest else "does not match"
        out.print(f"{report.path}: {report.episodes} episodes, {verdict}; digest "
                  f"{report.digest[:16]}... {match} the record", highlight=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command("control")
def control(
    name: str = typer.Argument(..., help="built-in task name"),
    n: int = typer.Option(2, "-n", "--episodes", help="episodes (seeds 0..n-1)"),
    robot: str = typer.Option("panda", "--robot", help="panda (Franka arm) | none (floating end effector)"),
    out_dir: Path = typer.Option(..., "--out", help="LeRobot folder to write (must not exist or be empty)"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Record expert episodes at the control rate (20 Hz) and write them as a LeRobot v3.0 dataset.

    Example:
      gensim demos control place-red-in-green --robot panda -n 2 --out lerobot-arm/
    """
    from gensim.data.control import export_control_lerobot, record_control_episode
    from gensim.errors import UsageError
    from gensim.sim.arm import check_robot

    try:
        check_robot(robot)
        if n < 1:
            raise UsageError("-n must be at least 1")
        with native_stderr_filtered():
            episodes = [record_control_episode(name, seed, robot=robot) for seed in range(n)]
        summary = export_control_lerobot(episodes, out_dir)
    except GensimError as err:
        fail_from(err)
    summary["success"] = sum(e.success for e in episodes) / n
    if json_out:
        print_json(summary)
        return
    out.print(f"wrote {summary['episodes']} episodes, {summary['frames']} frames at {summary['fps']} Hz "
              f"({summary['bytes']} bytes) to {summary['path']}", highlight=False)


@app.command("export")
def export(
    dataset: str = typer.Argument(..., help="dataset folder, DB id or DB name"),
    fmt: str = typer.Option("lerobot", "--format",
                            help="lerobot (LeRobotDataset v3.0, one frame per pick/place action) | "
                                 "lerobot-control (v3.0 at the 20 Hz control rate; datasets made with --robot panda)"),
    out_dir: Path = typer.Option(..., "--out", help="folder to write (must not exist or be empty)"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Export a dataset (a folder, DB id or DB name) in another format.

    Examples:
      gensim demos export block-insertion-v1-train --format lerobot --out lerobot/
      gensim demos export block-insertion-v1-train-panda --format lerobot-control --out lerobot-arm/
    """
    from gensim.data.catalog import resolve_dataset
    from gensim.errors import UsageError

    try:
        if fmt == "lerobot":
            from gensim.data.export_lerobot import export_lerobot

            summary = export_lerobot(resolve_dataset(dataset), out_dir)
        elif fmt == "lerobot-control":
            from gensim.data.control import export_dataset_control

            summary = export_dataset_control(resolve_dataset(dataset), out_dir)
        else:
            raise UsageError(f"unknown export format '{fmt}'; expected lerobot or lerobot-control")
    except GensimError as err:
        fail_from(err)
    if json_out:
        print_json(summary)
        return
    out.print(f"wrote {summary['episodes']} episodes, {summary['frames']} frames to {summary['path']}",
              highlight=False)
