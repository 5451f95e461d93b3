"""A faiss index of task-version vectors keyed by task-version id, persisted in a folder.

Two kinds, chosen by library size (`choose_kind`):
- `flat`: `IndexIDMap2(IndexFlatIP)`, exact inner product (= cosine on normalised vectors).
- `hnsw`: `IndexHNSWFlat` (inner product), approximate; faiss HNSW cannot delete, so removed or
  replaced vectors become tombstones that searches skip, compacted when they pile up.

`APPROX_THRESHOLD` (20,000) comes from `bench/bench_retrieval.py` (2-core shared CPU, one faiss
thread, embedding-like 384-d vectors): exact search took 0.75 ms at 10k but 40 ms at 100k
(~400 ns a vector once the vectors outgrow the caches), and costs a tenth of a warm end-to-end
search (60 ms, mostly embedding the query) from ~15k vectors on. HNSW took 0.14 ms at 10k and
0.53 ms at 100k with recall@10 of 1.000 and 0.999, for a one-off build of ~2.6 s per 10k vectors.
Below the threshold exact search is cheap and has no recall loss, build time or tombstones.

On disk (`save`/`load`): `index-<sha>.faiss` plus `manifest.json` (embedder, dim, kind, ids,
per-record text hashes, fingerprint). Data files are content-addressed and the manifest is
replaced atomically last, so a reader sees the old or the new index, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gensim.errors import GensimError, UsageError
from gensim.retrieval.records import Doc, doc_text, fingerprint_of_hashes, text_hash

APPROX_THRESHOLD = 20_000  # vectors; at and above it `choose_kind` picks HNSW (see module doc)
HNSW_M = 32  # graph degree
HNSW_EF_CONSTRUCTION = 80  # build-time beam width
HNSW_EF_SEARCH = 128  # query-time beam width
COMPACT_MIN_DEAD = 1000  # hnsw: rebuild the graph once this many (and 1/4 of all) are dead
MANIFEST = "manifest.json"
FORMAT = 1


def choose_kind(n_vectors: int, current: str | None = None) -> str:
    """`flat` for small libraries, `hnsw` from `APPROX_THRESHOLD` vectors on. An existing
    `current` HNSW index stays so until the library shrinks under half the threshold, so that a
    library hovering at the threshold is not converted back and forth."""
    if current == "hnsw" and n_vectors >= APPROX_THRESHOLD // 2:
        return "hnsw"
    return "hnsw" if n_vectors >= APPROX_THRESHOLD else "flat"


class VectorIndex:
    """Vectors keyed by int id; `search` returns `(id, inner product)` best first."""

    def __init__(self, dim: int, kind: str = "flat", embedder_name: str = "") -> None:
        if kind not in ("flat", "hnsw"):
            raise UsageError(f"unknown index kind '{kind}' (flat or hnsw)")
        import faiss

        self.dim = dim
        self.kind = kind
        self.embedder_name = embedder_name
        self.doc_hashes: dict[int, str] = {}  # id -> hash of the text its vector came from
        self._labels = np.empty(0, dtype=np.int64)  # hnsw: faiss label -> id, -1 = tombstone
        self._label_of: dict[int, int] = {}
        self._search_params: tuple[Any, Any, Any] | None = None  # reset when tombstones change
        self._index: Any
        if kind == "flat":
            self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        else:
            self._index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            self._index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            self._index.hnsw.efSearch = HNSW_EF_SEARCH

    # contents -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._label_of) if self.kind == "hnsw" else int(self._index.ntotal)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.doc_hashes

    @property
    def ids(self) -> list[int]:
        """The ids held, in insertion order."""
        if self.kind == "hnsw":
            return list(self._label_of)
        import faiss

        return [int(i) for i in faiss.vector_to_array(self._index.id_map)]

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the records the vectors were made from (see `records.fingerprint`)."""
        return fingerprint_of_hashes(self.doc_hashes.items(), self.embedder_name)

    def add(
        self, ids: Sequence[int], vectors: np.ndarray, hashes: Sequence[str] | None = None
    ) -> None:
        """Add or replace vectors. `hashes` are the text hashes of their records (for staleness)."""
        ids_arr = np.asarray(list(ids), dtype=np.int64)
        vecs = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids_arr), -1)
        if vecs.shape[1] != self.dim:
            raise UsageError(f"vectors have dimension {vecs.shape[1]}, the index {self.dim}")
        if len(set(ids_arr.tolist())) != len(ids_arr):
            raise UsageError("duplicate ids in one add")
        if len(ids_arr) == 0:
            return
        self.remove(ids_arr.tolist())
        if self.kind == "flat":
            self._index.add_with_ids(vecs, ids_arr)
        else:
            start = int(self._index.ntotal)
            self._index.add(vecs)
            self._labels = np.concatenate([self._labels, ids_arr])
            for offset, doc_id in enumerate(ids_arr.tolist()):
                self._label_of[doc_id] = start + offset
        for pos, doc_id in enumerate(ids_arr.tolist()):
            self.doc_hashes[doc_id] = hashes[pos] if hashes is not None else ""

    def remove(self, ids: Iterable[int]) -> int:
        """Remove these ids (unknown ones are ignored); returns how many were removed."""
        wanted = [int(i) for i in ids]
        for doc_id in wanted:
            self.doc_hashes.pop(doc_id, None)
        if self.kind == "flat":
            return int(self._index.remove_ids(np.asarray(wanted, dtype=np.int64)))
        removed = 0
        for doc_id in wanted:
            label = self._label_of.pop(doc_id, None)
            if label is not None:
                self._labels[label] = -1
                self._search_params = None
                removed += 1
        dead = int(self._index.ntotal) - len(self._label_of)
        if dead > max(COMPACT_MIN_DEAD, self._index.ntotal // 4):
            self._compact()
        return removed

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of these ids, `(len(ids), dim)`; unknown ids raise `UsageError`."""
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        for row, doc_id in enumerate(ids):
            try:
                key = doc_id if self.kind == "flat" else self._label_of[doc_id]
                out[row] = self._index.reconstruct(int(key))
            except (KeyError, RuntimeError) as err:
                raise UsageError(f"id {doc_id} is not in the index") from err
        return out

    def with_kind(self, kind: str) -> VectorIndex:
        """A copy of this index as another kind (same ids, vectors and record hashes)."""
        ids = self.ids
        other = VectorIndex(self.dim, kind, self.embedder_name)
        if ids:
            other.add(ids, self.vectors(ids), [self.doc_hashes.get(i, "") for i in ids])
        return other

    # search -------------------------------------------------------------------------------
    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The up to `k` nearest ids with their inner products, best first."""
        ids, scores = self.search_batch(np.asarray(vector, dtype=np.float32).reshape(1, -1), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def search_batch(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids `(q, k)` (-1 pads) and scores `(q, k)` for a batch of query vectors."""
        queries = np.ascontiguousarray(vectors, dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.dim:
            raise UsageError(f"query vectors must be (n, {self.dim})")
        n_live = len(self)
        if k <= 0 or n_live == 0:
            empty = np.full((len(queries), max(k, 0)), -1, dtype=np.int64)
            return empty, np.zeros(empty.shape, dtype=np.float32)
        if self.kind == "flat":
            scores, ids = self._index.search(queries, min(k, n_live))
        else:
            scores, labels = self._index.search(queries, min(k, n_live), params=self._params())
            ids = np.where(labels >= 0, self._labels[np.maximum(labels, 0)], -1)
        return _pad(ids, k, -1), _pad(scores, k, 0.0)

    def _params(self) -> Any:
        """HNSW search parameters that skip tombstones (rebuilt when the dead set changes)."""
        import faiss

        if self._search_params is None:
            dead = np.flatnonzero(self._labels < 0).astype(np.int64)
            inner = faiss.IDSelectorBatch(dead) if len(dead) else None
            selector = faiss.IDSelectorNot(inner) if inner is not None else None
            params = faiss.SearchParametersHNSW(efSearch=HNSW_EF_SEARCH)  # type: ignore[attr-defined]
            if selector is not None:
                params.sel = selector
            # the SWIG objects hold raw pointers to each other: keep them all alive together
            self._search_params = (params, selector, inner)
        return self._search_params[0]

    def _compact(self) -> None:
        live = np.flatnonzero(self._labels >= 0)
        vecs = self._index.reconstruct_n(0, int(self._index.ntotal))[live]
        ids = self._labels[live]
        hashes = dict(self.doc_hashes)
        fresh = VectorIndex(self.dim, "hnsw", self.embedder_name)
        fresh.add(ids.tolist(), vecs, [hashes.get(int(i), "") for i in ids])
        self._index, self._labels, self._label_of = fresh._index, fresh._labels, fresh._label_of
        self._search_params = None
        self.doc_hashes = fresh.doc_hashes

    # records ------------------------------------------------------------------------------
    def is_stale(self, records: Iterable[Doc], embedder_name: str | None = None) -> bool:
        """True when these records (or this embedder) would give different vectors or ids."""
        if embedder_name is not None and embedder_name != self.embedder_name:
            return True
        current = {d.id: text_hash(doc_text(d)) for d in records}
        return fingerprint_of_hashes(current.items(), self.embedder_name) != self.fingerprint

    def sync(self, records: Iterable[Doc], embedder: Any) -> tuple[int, int]:
        """Embed new or edited records, drop vanished ones; returns `(embedded, removed)`."""
        if embedder.name != self.embedder_name or embedder.dim != self.dim:
            raise UsageError("sync needs the index's own embedder; rebuild for a new one")
        docs = {d.id: d for d in records}
        texts = {i: doc_text(d) for i, d in docs.items()}
        changed = [i for i in docs if self.doc_hashes.get(i) != text_hash(texts[i])]
        removed = self.remove([i for i in self.ids if i not in docs])
        for start in range(0, len(changed), 1024):
            batch = changed[start : start + 1024]
            vecs = embedder.embed([texts[i] for i in batch])
            self.add(batch, vecs, [text_hash(texts[i]) for i in batch])
        return len(changed), removed

    @classmethod
    def rebuild(cls, records: Iterable[Doc], embedder: Any, kind: str = "auto") -> VectorIndex:
        """A new index of these records' vectors (`kind="auto"` picks by size)."""
        docs = list(records)
        index = cls(embedder.dim, choose_kind(len(docs)) if kind == "auto" else kind, embedder.name)
        index.sync(docs, embedder)
        return index

    # persistence --------------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        """Write the index into `folder` atomically; returns the manifest path."""
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        data = faiss.serialize_index(self._index).tobytes()
        digest = _sha256_bytes(data)
        data_name = f"index-{digest[:16]}.faiss"
        _atomic_write(folder / data_name, data)
        manifest = {
            "format": FORMAT,
            "kind": self.kind,
            "dim": self.dim,
            "embedder": self.embedder_name,
            "fingerprint": self.fingerprint,
            "count": len(self),
            "ids": self.ids,
            "doc_hashes": {str(i): h for i, h in self.doc_hashes.items()},
            "index_file": data_name,
            "index_sha256": digest,
            "labels": self._labels.tolist() if self.kind == "hnsw" else None,
        }
        _atomic_write(folder / MANIFEST, json.dumps(manifest).encode("utf-8"))
        for old in folder.glob("index-*.faiss"):
            if old.name != data_name:
                old.unlink(missing_ok=True)
        return folder / MANIFEST

    @classmethod
    def load(cls, folder: Path) -> VectorIndex:
        """Read an index saved by `save`; raises `UsageError` when there is none."""
        for attempt in range(2):  # a concurrent save may delete the file between our reads
            try:
                return cls._load_once(folder)
            except FileNotFoundError:
                if attempt == 1 or not (folder / MANIFEST).exists():
                    raise UsageError(f"no retrieval index in {folder}; build it first") from None
        raise AssertionError("unreachable")

    @classmethod
    def _load_once(cls, folder: Path) -> VectorIndex:
        import faiss

        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise GensimError(f"retrieval index in {folder} has an unknown format; rebuild it")
        data = (folder / manifest["index_file"]).read_bytes()
        if _sha256_bytes(data) != manifest["index_sha256"]:
            raise GensimError(f"retrieval index in {folder} is corrupt; rebuild it")
        index = cls(int(manifest["dim"]), manifest["kind"], manifest["embedder"])
        index._index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        index.doc_hashes = {int(i): h for i, h in manifest["doc_hashes"].items()}
        if index.kind == "hnsw":
            index._index.hnsw.efSearch = HNSW_EF_SEARCH
            index._labels = np.asarray(manifest["labels"], dtype=np.int64)
            index._label_of = {int(i): pos for pos, i in enumerate(index._labels) if i >= 0}
        return index


def _pad(values: np.ndarray, k: int, fill: float) -> np.ndarray:
    if values.shape[1] >= k:
        return values[:, :k]
    pad = np.full((values.shape[0], k - values.shape[1]), fill, dtype=values.dtype)
    return np.concatenate([values, pad], axis=1)


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, flush to disk, then rename over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
