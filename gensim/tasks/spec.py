"""`TaskSpec`: a registered task as data. Listing and searching specs imports no task code."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TaskSpec:
    """One registered task.

    `entry_point` is `"module.path:ClassName"` for tasks that ship with gensim; generated and
    imported tasks are loaded from their code text instead (`code` is then set).
    """

    name: str  # kebab-case id, e.g. "block-insertion"
    entry_point: str = ""  # "gensim.tasks.builtin.block_insertion:BlockInsertion"
    tags: tuple[str, ...] = ()  # e.g. ("ravens", "pick-place", "blocks")
    origin: str = "builtin"  # builtin | generated | imported
    version: int = 1
    description: str = ""  # one paragraph; for built-ins, the class docstring (read by AST)
    code: str | None = field(default=None, repr=False)  # task file text for non-built-in tasks
    source: str = ""  # who wrote the version, e.g. "generated (campaign 3, offline/composer-1)"
