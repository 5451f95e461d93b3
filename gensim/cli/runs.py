"""`gensim runs sync`: log the MLflow runs that commands left in the home's outbox."""

from __future__ import annotations

import typer

from gensim.cli.common import console, out, print_json

app = typer.Typer(no_args_is_help=True,
                  help="MLflow runs kept in the home's outbox: log them now.\n\nExample:\n  gensim runs sync")


@app.command("sync")
def sync(json_out: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """Log the runs still waiting in the outbox, and wait for those a writer is logging.

    `gensim demos` logs its MLflow run after it returns, in a detached writer; this makes sure
    every such run is in MLflow (scripts and tests call it before reading runs). Exit 1 when a
    run could not be logged (it stays in the outbox for the next try).

    Examples:
      gensim runs sync
      gensim runs sync --json
    """
    from gensim.tracking.outbox import flush, pending

    logged, problems = flush()
    left = len(pending())
    if json_out:
        print_json({"logged": logged, "left": left, "problems": problems})
    else:
        for line in problems:
            console.print(f"[yellow]warning:[/] {line}", highlight=False, soft_wrap=True)
        out.print(f"{logged} runs logged, {left} waiting", highlight=False)
    if problems:
        raise typer.Exit(1)
