"""Per-process episode context: the pybullet client task code talks to and where warnings go.

Task code written in the convention calls `p.<function>(...)` without a client id and reads
colours by name through `utils.COLORS`. The loader's pybullet proxy asks `current_client()`
for the client to use, and fallbacks (unknown colour names...) call `record_warning`. The
episode runner binds both with `episode_context(env.client, warnings)`; `Task.reset` also binds
them (the latest reset wins) so that a bare `env.reset()` works too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _Context:
    client: int | None = None
    warnings: list[str] = field(default_factory=list)


_current = _Context()


def current_client() -> int | None:
    """The pybullet client id of the environment whose task code runs now (None if none)."""
    return _current.client


def bind(client: int | None, warnings: list[str] | None = None) -> None:
    """Make `client` the default for task code and send warnings to `warnings` (no restore)."""
    _current.client = client
    if warnings is not None:
        _current.warnings = warnings


def record_warning(message: str) -> None:
    """Record a fallback that rescued sloppy task code (deduplicated per episode)."""
    if message not in _current.warnings:
        _current.warnings.append(message)


@contextmanager
def episode_context(client: int | None, warnings: list[str]) -> Iterator[None]:
    """Bind `client` and `warnings` for the duration of the block, then restore the previous."""
    saved = (_current.client, _current.warnings)
    bind(client, warnings)
    try:
        yield
    finally:
        _current.client, _current.warnings = saved
