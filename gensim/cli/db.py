"""`gensim db`: being built."""

from __future__ import annotations

import typer

app = typer.Typer(help="db")
