"""`gensim tasks`: being built."""

from __future__ import annotations

import typer

app = typer.Typer(help="tasks")
