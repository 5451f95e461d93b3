"""A rich progress bar on stderr (counts, rate, ETA) for long commands; stdout stays parseable.

When stderr is not a terminal (a log file, CI, `nohup`), a live bar would show nothing until
the end, so the bar becomes a plain progress line every `LINE_INTERVAL_S` seconds instead.
"""

from __future__ import annotations

import time
from typing import Any

LINE_INTERVAL_S = 30.0  # seconds between progress lines when stderr is not a terminal


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


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
                 started: bool = True, line_interval: float = LINE_INTERVAL_S) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._plain: Any = None  # the stderr console when it is not a terminal (plain lines)
        self._line_interval = line_interval
        self._state: dict[str, Any] = {"completed": 0, "note": "", "start": None, "last": None}
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

            console = Console(stderr=True)
            if not console.is_terminal:
                self._plain = console
                if self._started:
                    self._state["start"] = time.monotonic()
                return self
            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(bar_width=20), MofNCompleteColumn(),
                TextColumn(self.unit), _rate_column(), TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=console, transient=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.description, total=self.total, note="",
                                                 start=self._started)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._plain is not None:
            if self._state["start"] is not None:
                self._line()
            self._plain = None
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None

    def update(self, completed: int | None = None, note: str | None = None, total: int | None = None) -> None:
        """Move the bar to `completed`, change its note or its total."""
        if self._plain is not None:
            now = time.monotonic()
            if total is not None:
                self.total = total
            if note is not None:
                self._state["note"] = note
            if completed is not None:
                self._state["completed"] = completed
                if self._state["start"] is None and completed:
                    self._state["start"] = now
            last = self._state["last"]
            if self._state["start"] is not None and (last is None or now - last >= self._line_interval):
                self._line()
            return
        if self._progress is not None:
            if not self._started and completed:
                self._progress.start_task(self._task)
                self._started = True
            fields: dict[str, Any] = {}
            if note is not None:
                fields["note"] = note
            self._progress.update(self._task, completed=completed, total=total, **fields)

    def _line(self) -> None:
        """One plain progress line: count, rate, note, elapsed and ETA."""
        now = time.monotonic()
        self._state["last"] = now
        done, start = int(self._state["completed"]), self._state["start"] or now
        elapsed = now - start
        speed = done / elapsed if elapsed >= 0.5 and done else None
        count = f"{done}/{self.total}" if self.total else str(done)
        parts = [self.description, f"{count} {self.unit}".strip(), rate_text(speed), self._state["note"],
                 _clock(elapsed)]
        if speed and self.total:
            parts.append(f"ETA {_clock((self.total - done) / speed)}")
        self._plain.print("  ".join(p for p in parts if p), highlight=False, markup=False)

    def print(self, line: str, markup: bool = True) -> None:
        """A line above the bar (rich markup allowed unless `markup` is False)."""
        if self._plain is not None:
            self._plain.print(line, highlight=False, markup=markup)
        elif self._progress is not None:
            self._progress.console.print(line, highlight=False, markup=markup)

    def lines(self, line: str) -> None:
        """A plain line above the bar (no markup): a `report` callback of the library functions."""
        self.print(line, markup=False)

    @property
    def console(self) -> Any:
        """The bar's console (stderr), or None while the bar is disabled or closed."""
        if self._plain is not None:
            return self._plain
        return None if self._progress is None else self._progress.console
