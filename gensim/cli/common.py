"""Helpers shared by the CLI modules: JSON output, one-line errors, consoles."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from gensim.errors import GensimError
from gensim.progress import ProgressBar

__all__ = ["ProgressBar", "console", "fail", "fail_from", "out", "print_json"]

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
