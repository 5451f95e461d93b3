"""A rich progress bar on stderr (counts, rate, ETA) for long commands; stdout stays parseable."""

from __future__ import annotations

from typing import Any


class ProgressBar:
    """A rich progress bar on stderr with counts, rate and ETA (a no-op when disabled).

    Use it as a context manager; `update(completed, note)` moves it and shows a short note after
    the count (e.g. failures), `print(line)` writes a line above it.
    """

    def __init__(self, description: str, total: int | None, enabled: bool = True, unit: str = "") -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None
        self.description, self.total, self.unit = description, total, unit

    def __enter__(self) -> ProgressBar:
        if self.enabled:
            from rich.console import Console
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
                TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True), transient=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.description, total=self.total, note="")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def update(self, completed: int | None = None, note: str | None = None, total: int | None = None) -> None:
        """Move the bar to `completed`, change its note or its total."""
        if self._progress is not None:
            fields: dict[str, Any] = {}
            if note is not None:
                fields["note"] = note
            self._progress.update(self._task, completed=completed, total=total, **fields)

    def print(self, line: str) -> None:
        """A line above the bar (rich markup allowed)."""
        if self._progress is not None:
            self._progress.console.print(line, highlight=False)
