"""The public task API (the CLIPort/Ravens/GenSim convention), the expert, the checker, the library.

Importing `gensim.tasks` is cheap: the names below load on first access, so that listing specs
(`gensim.tasks.registry`) never imports PyBullet.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "Task": "gensim.tasks.task",
    "Goal": "gensim.tasks.goals",
    "check_task": "gensim.checking.gate",
    "CheckVerdict": "gensim.checking.verdict",
    "run_episode": "gensim.tasks.episode",
    "EpisodeResult": "gensim.tasks.episode",
    "load_task_class": "gensim.tasks.loader",
    "load_task_file": "gensim.tasks.loader",
    "all_specs": "gensim.tasks.registry",
    "get_spec": "gensim.tasks.registry",
    "make_task": "gensim.tasks.registry",
    "register_source": "gensim.tasks.registry",
    "TaskSpec": "gensim.tasks.spec",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gensim.tasks' has no attribute {name!r}")
