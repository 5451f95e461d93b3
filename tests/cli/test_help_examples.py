"""Every command of the CLI, groups included, shows at least one example invocation in its
`--help` (a line that starts with `gensim `), and every example, in the help, the README and
the walkthrough, names real commands and options."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from gensim.cli.main import app

runner = CliRunner()
_EXAMPLE = re.compile(r"^(?:\$\s*)?`?(gensim(?: .*)?)$")


def _paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The word paths of every command and group under `command` (itself included)."""
    found = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            found += _paths(sub, (*path, name))
    return found


PATHS = _paths(typer.main.get_command(app))


def _help_lines(path: tuple[str, ...]) -> list[str]:
    """The help text of `gensim PATH --help`, one stripped line each (rich panels removed)."""
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return [line.strip(" │╭╮╰╯─") for line in result.output.splitlines()]


def examples(path: tuple[str, ...]) -> list[str]:
    """The example invocations in the help of `gensim PATH` (backticks removed)."""
    found = []
    for line in _help_lines(path):
        match = _EXAMPLE.match(line)
        if match:
            found.append(match.group(1).split("`")[0].strip())
    return found


def test_the_walk_finds_every_command() -> None:
    assert {("train",), ("eval",), ("tasks", "search"), ("demos", "make"), ("db", "upgrade"),
            ("tasks",), ()} <= set(PATHS)
    assert len(PATHS) > 15


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(("gensim", *p)))
def test_help_shows_an_example(path: tuple[str, ...]) -> None:
    found = examples(path)
    assert found, f"`gensim {' '.join(path)} --help` shows no example line starting with 'gensim '"
    words = " ".join(path)
    assert any(e.startswith(f"gensim {words}".rstrip()) or (path and path[0] == "demos" and
               e.startswith("gensim demos")) for e in found), found


def _check_options(example: str) -> None:
    """`example` (a `gensim ...` line) names a real command, and every option it uses exists."""
    command: Any = typer.main.get_command(app)
    rest = shlex.split(example, comments=True)[1:]
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        if rest[0] in command.commands:
            command, rest = command.commands[rest[0]], rest[1:]
        elif "make" in command.commands:  # `gensim demos NAME` is `gensim demos make NAME`
            command = command.commands["make"]
        else:
            raise AssertionError(f"{example!r}: no command {rest[0]!r}")
    options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
    for word in rest:
        if word.startswith("-") and not re.fullmatch(r"-\d+(\.\d+)?", word):
            assert word.split("=", 1)[0] in options, f"{example!r}: no option {word}"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(("gensim", *p)))
def test_examples_name_real_options(path: tuple[str, ...]) -> None:
    """An example in the help is a command line that parses: its options exist."""
    for example in examples(path):
        _check_options(example)


ROOT = Path(__file__).resolve().parents[2]
_BLOCK = re.compile(r"```bash\n(.*?)```", re.S)


def _documented(page: str) -> list[str]:
    """The `gensim ...` command lines of the page's bash blocks (prompts, env prefixes, comments
    and line continuations handled)."""
    found = []
    for block in _BLOCK.findall((ROOT / page).read_text()):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line.removeprefix("$ "), comments=True)
            while words and re.match(r"^[A-Z_][A-Z0-9_]*=\S*$", words[0]):
                words.pop(0)
            if words and words[0] == "gensim":
                found.append(shlex.join(words))
    return found


@pytest.mark.parametrize("page", ["README.md", "docs/walkthrough.md"])
def test_readme_and_walkthrough_commands_exist(page: str) -> None:
    lines = _documented(page)
    assert len(lines) >= 8, lines
    for line in lines:
        _check_options(line)
