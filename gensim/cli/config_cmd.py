"""`gensim config`: print the resolved settings with secrets masked."""

from __future__ import annotations

import typer

from gensim.cli.common import out, print_json

app = typer.Typer()


@app.callback(invoke_without_command=True)
def show(json_out: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """Show the resolved settings and derived locations (secrets masked).

    Settings come from GENSIM_* environment variables (GENSIM_HOME=/tmp/g gensim config).

    Examples:
      gensim config
      gensim config --json
    """
    from gensim.config import get_settings

    settings = get_settings().masked()
    if json_out:
        print_json(settings)
        return
    width = max(len(k) for k in settings)
    for key, value in settings.items():
        out.print(f"{key:<{width}}  {value}", highlight=False)
