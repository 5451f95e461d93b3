"""Errors that the CLI turns into one clear line and a non-zero exit code (never a traceback)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GensimError(Exception):
    """An expected failure with a message meant for the user. `exit_code` is what the CLI returns."""

    exit_code = 1


class UsageError(GensimError):
    """Bad input from the user: unknown names, missing files, bad numbers."""

    exit_code = 2


class UnknownNameError(UsageError, KeyError):
    """A name (task, dataset, model, mode...) that is not known; the message names the closest ones."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.closest = closest_names(name, known)
        hint = f"; did you mean {', '.join(self.closest)}?" if self.closest else ""
        super().__init__(f"unknown {kind} '{name}'{hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


def closest_names(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The up to `n` known names closest to `name` (by similarity of characters, then substring)."""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=n, cutoff=0.5)
    for candidate in known:
        if len(close) >= n:
            break
        if name and name in candidate and candidate not in close:
            close.append(candidate)
    return close
