"""Helpers shared by the CLI modules: JSON output, one-line errors, consoles."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from gensim.errors import GensimError

console = Console(stderr=True)  # progress and tables go to stderr so stdout stays parseable
out = Console(soft_wrap=True)  # no hard wraps: output is often piped


def print_json(doc: Any) -> None:
    """Print exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one clear line on stderr and exit with `code`."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def fail_from(err: GensimError) -> NoReturn:
    fail(str(err), err.exit_code)


class ProgressBar:
    """A rich progress bar on stderr with counts, rate and ETA (a no-op when disabled).

    `update(completed, **fields)` moves it; extra fields show after the count (e.g. failures).
    """

    def __init__(self, description: str, total: int | None, enabled: bool = True, unit: str = "") -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None
        self.description, self.total, self.unit = description, total, unit

    def __enter__(self) -> ProgressBar:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn(self.unit), TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
                TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.description, total=self.total, note="")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def update(self, completed: int, note: str = "") -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=completed, note=note)
