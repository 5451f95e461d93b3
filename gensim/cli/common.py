"""Helpers shared by the CLI modules: JSON output, one-line errors, consoles."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console

from gensim.errors import GensimError
from gensim.progress import ProgressBar

__all__ = ["ProgressBar", "console", "fail", "fail_from", "native_stderr_filtered", "out", "print_json",
           "print_table"]

console = Console(stderr=True)  # progress and tables go to stderr so stdout stays parseable
out = Console(soft_wrap=True)  # no hard wraps: output is often piped
# Lines that native libraries print on stderr at import, in every process (workers too).
NATIVE_BANNERS = ("pybullet build time:",)


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


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                stderr: bool = False, notes: Sequence[str] = ()) -> None:
    """A final summary table (first column left-aligned, the others right-aligned) and plain
    note lines under it, on stdout, or on stderr when stdout is reserved for JSON."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for index, name in enumerate(columns):
        table.add_column(name, justify="left" if index == 0 else "right", overflow="fold")
    for row in rows:
        table.add_row(*(str(value) for value in row))
    target = console if stderr else out
    target.print(table)
    for line in notes:
        target.print(line, highlight=False, markup=False)


@contextmanager
def native_stderr_filtered(drop: tuple[str, ...] = NATIVE_BANNERS) -> Iterator[None]:
    """Hold this process's stderr (file descriptor 2, which spawned workers inherit) in a
    temporary file and write it back at the end without the lines that start with `drop`.

    For `--quiet`: C libraries print banners (pybullet's build time) straight to the descriptor,
    in the workers too, where no Python setting reaches them. Everything else comes back.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            kept = [line for line in held.read().decode(errors="replace").splitlines(keepends=True)
                    if not line.startswith(drop)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
