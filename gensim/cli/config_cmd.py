"""`gensim config`: print the resolved settings with secrets masked."""

from __future__ import annotations

import typer

from gensim.cli.common import out, print_json

app = typer.Typer()


@app.callback(invoke_without_command=True)
def show(json_out: bool = typer.Option(False, "--json", help="print one JSON object")) -> None:
    """Show the resolved settings and derived locations (secrets masked).

    Settings come from GENSIM_* environment variables (GENSIM_HOME=/tmp/g gensim config).
    The home is GENSIM_HOME, else the nearest .gensim in this folder or above, else a new
    one here; the first line says which and why.

    Examples:
      gensim config
      gensim config --json
    """
    from gensim.config import get_settings
    from gensim.home import current_choice

    choice = current_choice()
    settings = get_settings().masked()
    if json_out:
        print_json({**settings, "home_source": choice.source, "home_reason": choice.reason})
        return
    note = " (not created yet: made on first use)" if choice.source == "new" and not choice.path.exists() else ""
    out.print(f"home in force: {choice.path} ({choice.reason}){note}", highlight=False, soft_wrap=True)
    width = max(len(k) for k in settings)
    for key, value in settings.items():
        out.print(f"{key:<{width}}  {value}", highlight=False)
