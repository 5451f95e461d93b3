"""Phases of a sandboxed job, announced by the child so that the parent can budget each one.

A job that runs task code says which phase it is in (`enter("load")`, `enter("init")`,
`enter("reset")`, `enter("act")`, ...). The child's trusted start-up gives this module a file
descriptor (`configure(fd)`); each `enter` writes one line, the phase's name, to it. The parent
(`runner.py`) reads those lines and gives each phase its own wall-clock budget
(`Limits.phase_s`), so a task that hangs is stopped naming the phase it hung in.

Only names from `PHASES` are announced. Task code can write to the descriptor too; at worst it
renews a phase's budget, and the job's overall wall clock (`Limits.wall_s`) still holds.
Outside a sandbox (no descriptor configured) `enter` does nothing.
"""

from __future__ import annotations

import os

PHASES = ("load", "init", "reset", "act", "replay")

_fd: int | None = None
_write = os.write


def configure(fd: int | None) -> None:
    """Send phase announcements to `fd` (the child's start-up calls this; None turns them off)."""
    global _fd
    _fd = fd


def enter(name: str) -> None:
    """Announce that the job now runs phase `name` (one of `PHASES`)."""
    if name not in PHASES:
        raise ValueError(f"unknown phase {name!r}; phases are {', '.join(PHASES)}")
    if _fd is None:
        return
    try:
        _write(_fd, name.encode() + b"\n")
    except OSError:
        pass  # the parent stopped listening: the overall wall clock still applies
