"""The user docs match the code: the worked example of docs/task-api.md passes the checker, and
every `gensim ...` command line in the docs pages names real commands and options."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from gensim.cli.main import app

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ("task-api.md", "scale-out.md", "README.md")
_BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")


def _code_blocks(page: str, language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall((DOCS / page).read_text()) if lang == language]


def _gensim_lines(page: str) -> list[list[str]]:
    """The argument lists of the `gensim` commands in the page's bash blocks (env prefixes,
    comments and line continuations handled)."""
    found = []
    for block in _code_blocks(page, "bash"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            while words and _ENV.match(words[0]):
                words.pop(0)
            if words and words[0] == "gensim":
                found.append(words[1:])
    return found


def _leaf(args: list[str]) -> tuple[Any, list[str], str]:
    """Walk the CLI tree along `args`: (command, the remaining words, its path). Groups are
    recognised by their `commands` (typer may bring its own copy of click)."""
    command: Any = typer.main.get_command(app)
    path = "gensim"
    while hasattr(command, "commands") and args and not args[0].startswith("-"):
        name = args[0]
        if name in command.commands:
            command, args = command.commands[name], args[1:]
        elif "make" in command.commands:  # `gensim demos NAME` is `gensim demos make NAME`
            command = command.commands["make"]
        else:
            raise AssertionError(f"{path} has no command {name!r}")
        path += f" {name}"
    return command, args, path


@pytest.mark.parametrize("page", PAGES)
def test_every_documented_command_and_option_exists(page: str) -> None:
    lines = _gensim_lines(page)
    if page != "README.md":
        assert lines, f"no gensim command found in {page}"
    for args in lines:
        command, rest, path = _leaf(list(args))
        options = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
        for word in rest:
            if word.startswith("-") and not re.fullmatch(r"-\d+(\.\d+)?", word):
                flag = word.split("=", 1)[0]
                assert flag in options, f"{page}: `{path}` has no option {flag} ({' '.join(args)})"


def test_task_api_worked_example_passes_the_checker() -> None:
    from gensim.checking.gate import check_task

    example = _code_blocks("task-api.md", "python")[0]
    assert "class StackBlocksInZone(Task)" in example
    verdict = check_task(example, seeds=(0, 2), name="stack-blocks-in-zone")
    assert verdict.passed, verdict.to_json()
    assert verdict.stage == "done" and verdict.warnings == []
