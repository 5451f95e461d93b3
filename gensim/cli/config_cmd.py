"""`gensim config`: print the resolved settings with secrets masked."""

from __future__ import annotations

import typer

from gensim.cli.common import out, print_json

app = typer.Typer(help="Show the resolved settings (secrets masked).")


@app.callback(invoke_without_command=True)
def show(json_out: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """Print every setting and derived location.

    Example: `GENSIM_HOME=/tmp/g gensim config --json`
    """
    from gensim.config import get_settings

    settings = get_settings().masked()
    if json_out:
        print_json(settings)
        return
    width = max(len(k) for k in settings)
    for key, value in settings.items():
        out.print(f"{key:<{width}}  {value}", highlight=False)
