"""`gensim generate`: placeholder until its issue lands."""

from __future__ import annotations

import typer

from gensim.cli.common import console

app = typer.Typer(help="generate (not built yet).")


@app.callback(invoke_without_command=True)
def main(ctx: typer.Context) -> None:
    """Not built yet: says so plainly."""
    console.print("gensim generate is not built yet.")
