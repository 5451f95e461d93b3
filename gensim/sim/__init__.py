"""The PyBullet tabletop simulator: environment, end effectors, primitives, cameras, rendering.

Importing `gensim.sim` is cheap: the constants and colours load eagerly, everything that needs
PyBullet loads on first access (`gensim.sim.Environment` ...).
"""

from __future__ import annotations

from typing import Any

from gensim.sim.colors import COLORS, EVAL_COLORS, TRAIN_COLORS
from gensim.sim.constants import BOUNDS, PIX_SIZE

_LAZY = {
    "Environment": "gensim.sim.environment",
    "Suction": "gensim.sim.grippers",
    "Spatula": "gensim.sim.grippers",
    "PickPlace": "gensim.sim.primitives",
    "push": "gensim.sim.primitives",
    "fill_template": "gensim.sim.assets",
}

__all__ = ["BOUNDS", "COLORS", "EVAL_COLORS", "PIX_SIZE", "TRAIN_COLORS", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gensim.sim' has no attribute {name!r}")
