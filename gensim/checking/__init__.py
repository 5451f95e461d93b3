"""The gate: one checking subsystem that decides whether a task works (see `gate.py`).

`check_task` is the public checker; `CheckVerdict` its typed answer; `Stage` the ordered
stages; `conventions` the seeds, thresholds and workspace every caller shares. Importing this
package is cheap: the names load on first access.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "check_task": "gensim.checking.gate",
    "check_code": "gensim.checking.gate",
    "check_file": "gensim.checking.gate",
    "CheckVerdict": "gensim.checking.verdict",
    "Stage": "gensim.checking.stages",
    "STAGES": "gensim.checking.stages",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gensim.checking' has no attribute {name!r}")
