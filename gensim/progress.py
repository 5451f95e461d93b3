"""A rich progress bar on stderr (counts, rate, ETA) for long commands; stdout stays parseable."""

from __future__ import annotations

from typing import Any


def rate_text(speed: float | None) -> str:
    """A short rate that follows the count (`4/10 steps 12.3/s`, `4/10 steps 4.2 s each`)."""
    if not speed or speed <= 0:
        return ""
    return f"{speed:.1f}/s" if speed >= 1.0 else f"{1.0 / speed:.1f} s each"


def _rate_column() -> Any:
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Items per second (or seconds per item) over rich's recent speed estimate."""

        def render(self, task: Any) -> Text:
            return Text(rate_text(task.finished_speed or task.speed), style="progress.data.speed")

    return RateColumn()


class ProgressBar:
    """A rich progress bar on stderr with counts, rate and ETA (a no-op when disabled).

    Use it as a context manager; `update(completed, note)` moves it and shows a short note after
    the count (e.g. failures), `print(line)` writes a line above it. With `started=False` the
    clock (elapsed, rate, ETA) starts at the first `update` that moves the bar, so that set-up
    work shown as lines above it (e.g. making datasets before training) does not skew the ETA.
    """

    def __init__(self, description: str, total: int | None, enabled: bool = True, unit: str = "",
                 started: bool = True) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None
        self._started = started
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
                TextColumn("[bold]{task.description}"), BarColumn(bar_width=20), MofNCompleteColumn(),
                TextColumn(self.unit), _rate_column(), TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=Console(stderr=True), transient=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.description, total=self.total, note="",
                                                 start=self._started)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None

    def update(self, completed: int | None = None, note: str | None = None, total: int | None = None) -> None:
        """Move the bar to `completed`, change its note or its total."""
        if self._progress is not None:
            if not self._started and completed:
                self._progress.start_task(self._task)
                self._started = True
            fields: dict[str, Any] = {}
            if note is not None:
                fields["note"] = note
            self._progress.update(self._task, completed=completed, total=total, **fields)

    def print(self, line: str, markup: bool = True) -> None:
        """A line above the bar (rich markup allowed unless `markup` is False)."""
        if self._progress is not None:
            self._progress.console.print(line, highlight=False, markup=markup)

    def lines(self, line: str) -> None:
        """A plain line above the bar (no markup): a `report` callback of the library functions."""
        self.print(line, markup=False)

    @property
    def console(self) -> Any:
        """The bar's console (stderr), or None while the bar is disabled or closed."""
        return None if self._progress is None else self._progress.console
