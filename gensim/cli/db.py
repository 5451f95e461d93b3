"""`gensim db`: create, inspect and migrate the task database schema."""

from __future__ import annotations

import typer

from gensim.cli.common import fail, fail_from, out, print_json
from gensim.errors import GensimError

app = typer.Typer(
    help="Create, inspect and migrate the task database schema.\n\n"
         "Examples:\n  gensim db upgrade\n  gensim db current --json",
    no_args_is_help=True,
)

URL_OPTION = typer.Option(None, "--url", help="database URL (default: the configured one)")
JSON_OPTION = typer.Option(False, "--json", help="print one JSON object")


def _report(url: str | None, revision: str | None, json_out: bool) -> None:
    from gensim.db.session import display_url, head_revision, resolve_url

    shown = display_url(resolve_url(url))
    head = head_revision()
    if json_out:
        print_json({"url": shown, "revision": revision, "head": head, "at_head": revision == head})
        return
    state = "at head" if revision == head else f"head is {head}"
    out.print(f"{revision or 'empty (no schema)'}  ({state}; {shown})", highlight=False)


@app.command()
def upgrade(
    revision: str = typer.Argument("head", help="target revision"),
    url: str | None = URL_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Create or migrate the schema up to REVISION (default head) and print the revision.

    Examples:
      gensim db upgrade
      gensim db upgrade --url postgresql+psycopg://user:pass@host/gensim
    """
    from gensim.db.session import upgrade as run_upgrade

    try:
        _report(url, run_upgrade(url, revision), json_out)
    except GensimError as err:
        fail_from(err)


@app.command()
def current(url: str | None = URL_OPTION, json_out: bool = JSON_OPTION) -> None:
    """Print the database's schema revision (does not migrate).

    Example:
      gensim db current --json
    """
    from gensim.db.session import current_revision

    try:
        _report(url, current_revision(url), json_out)
    except GensimError as err:
        fail_from(err)


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help='target revision; "base" removes every table'),
    yes: bool = typer.Option(False, "--yes", help="confirm: downgrading can drop data"),
    url: str | None = URL_OPTION,
    json_out: bool = JSON_OPTION,
) -> None:
    """Migrate the schema down to REVISION (needs --yes; data in dropped tables is lost).

    Example:
      gensim db downgrade base --yes
    """
    from gensim.db.session import downgrade as run_downgrade

    if not yes:
        fail(f"downgrading to '{revision}' can drop tables and their data; add --yes to confirm")
    try:
        _report(url, run_downgrade(url, revision), json_out)
    except GensimError as err:
        fail_from(err)
