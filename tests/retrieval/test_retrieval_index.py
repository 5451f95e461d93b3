"""The faiss index: add/remove/search, persistence, staleness, exact vs approximate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gensim.errors import GensimError, UsageError
from gensim.retrieval.embedder import HashingEmbedder
from gensim.retrieval.index import APPROX_THRESHOLD, VectorIndex, choose_kind
from gensim.retrieval.records import Doc


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _clustered(rng: np.random.Generator, n: int, dim: int, n_centres: int = 20) -> np.ndarray:
    centres = _unit(rng, n_centres, dim)
    x = centres[rng.integers(0, n_centres, n)] + 0.35 * _unit(rng, n, dim)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_add_search_remove_and_replace(kind: str) -> None:
    rng = np.random.default_rng(0)
    vecs = _unit(rng, 50, 16)
    index = VectorIndex(16, kind)
    index.add(list(range(100, 150)), vecs)
    assert len(index) == 50 and 120 in index
    hits = index.search(vecs[20], 3)
    assert hits[0][0] == 120 and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert hits[0][1] >= hits[1][1] >= hits[2][1]

    assert index.remove([120, 999]) == 1
    assert len(index) == 49 and 120 not in index
    assert all(doc_id != 120 for doc_id, _ in index.search(vecs[20], 10))

    # replacing an id keeps one entry, with the new vector
    index.add([121], vecs[:1])
    assert len(index) == 49
    assert index.search(vecs[0], 2)[0][1] == pytest.approx(1.0, abs=1e-5)
    assert {i for i, _ in index.search(vecs[0], 2)} == {100, 121}
    np.testing.assert_allclose(index.vectors([121])[0], vecs[0], atol=1e-6)

    # more asked than held: all of them, no padding ids
    assert len(index.search(vecs[0], 500)) == 49


def test_bad_input_is_a_usage_error() -> None:
    index = VectorIndex(8)
    with pytest.raises(UsageError):
        index.add([1], np.zeros((1, 9), np.float32))
    with pytest.raises(UsageError):
        index.add([1, 1], np.zeros((2, 8), np.float32))
    with pytest.raises(UsageError):
        VectorIndex(8, "ivf-pq")
    with pytest.raises(UsageError):
        index.vectors([42])


def test_hnsw_tombstones_are_compacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gensim.retrieval.index.COMPACT_MIN_DEAD", 10)
    rng = np.random.default_rng(1)
    index = VectorIndex(8, "hnsw")
    index.add(list(range(300)), _unit(rng, 300, 8))
    index.remove(range(0, 200))
    assert len(index) == 100
    assert index._index.ntotal == 100  # compacted: dead vectors are gone from the graph
    assert all(i >= 200 for i, _ in index.search(_unit(rng, 1, 8)[0], 20))


def test_exact_and_approximate_agree_on_small_data() -> None:
    rng = np.random.default_rng(2)
    data = _clustered(rng, 2000, 64)
    queries = _clustered(rng, 50, 64)
    flat, hnsw = VectorIndex(64, "flat"), VectorIndex(64, "hnsw")
    for index in (flat, hnsw):
        index.add(list(range(2000)), data)
    exact, _ = flat.search_batch(queries, 10)
    approx, _ = hnsw.search_batch(queries, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact, strict=True)])
    assert recall >= 0.95
    assert (approx[:, 0] == exact[:, 0]).mean() >= 0.95


def test_choose_kind_threshold() -> None:
    assert choose_kind(10) == "flat"
    assert choose_kind(APPROX_THRESHOLD - 1) == "flat"
    assert choose_kind(APPROX_THRESHOLD) == "hnsw"
    assert choose_kind(APPROX_THRESHOLD - 1, "hnsw") == "hnsw"  # hysteresis
    assert choose_kind(APPROX_THRESHOLD // 2 - 1, "hnsw") == "flat"


def test_with_kind_keeps_vectors_and_staleness() -> None:
    docs = _docs()
    flat = VectorIndex.rebuild(docs, HashingEmbedder(32), kind="flat")
    hnsw = flat.with_kind("hnsw")
    assert hnsw.kind == "hnsw" and sorted(hnsw.ids) == sorted(flat.ids)
    assert not hnsw.is_stale(docs) and hnsw.fingerprint == flat.fingerprint
    np.testing.assert_allclose(hnsw.vectors([5, 9]), flat.vectors([5, 9]))


def _docs() -> list[Doc]:
    return [
        Doc(id=i, name=f"task-{i}", description=f"move block {i} onto the pallet number {i}")
        for i in range(1, 31)
    ]


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_persistence_round_trip(tmp_path: Path, kind: str) -> None:
    embedder = HashingEmbedder(64)
    docs = _docs()
    index = VectorIndex.rebuild(docs, embedder, kind=kind)
    index.remove([3])  # tombstones (hnsw) must survive the round trip too
    index.save(tmp_path / "idx")
    loaded = VectorIndex.load(tmp_path / "idx")
    assert loaded.kind == kind and loaded.dim == 64 and loaded.embedder_name == embedder.name
    assert sorted(loaded.ids) == sorted(index.ids) and 3 not in loaded
    query = embedder.embed(["move block 7 onto the pallet number 7"])[0]
    assert loaded.search(query, 5) == index.search(query, 5)
    assert loaded.fingerprint == index.fingerprint
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["count"] == 29 and manifest["embedder"] == embedder.name
    # saving again replaces the data file; only the current one is left
    loaded.remove([4])
    loaded.save(tmp_path / "idx")
    assert len(list((tmp_path / "idx").glob("index-*.faiss"))) == 1
    assert 4 not in VectorIndex.load(tmp_path / "idx")


def test_staleness_is_detected_from_records(tmp_path: Path) -> None:
    embedder = HashingEmbedder(64)
    docs = _docs()
    VectorIndex.rebuild(docs, embedder).save(tmp_path)
    index = VectorIndex.load(tmp_path)
    assert not index.is_stale(docs)
    assert not index.is_stale(list(reversed(docs)))
    assert index.is_stale(docs[:-1])  # a task version removed
    assert index.is_stale([*docs, Doc(id=99, name="new", description="new")])  # one added
    edited = [*docs[:-1], Doc(id=30, name="task-30", description="something else")]
    assert index.is_stale(edited)  # description edited
    coded = [*docs[:-1], Doc(id=30, name="task-30", description=docs[-1].description, code="x=1")]
    assert not index.is_stale(coded)  # code that summarises to nothing changes no vector
    assert index.is_stale(docs, embedder_name="another-model")

    embedded, removed = index.sync(edited[1:], embedder)
    assert (embedded, removed) == (1, 1)
    assert not index.is_stale(edited[1:])


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        VectorIndex.load(tmp_path / "nothing")
    VectorIndex.rebuild(_docs(), HashingEmbedder(32)).save(tmp_path)
    data = next(tmp_path.glob("index-*.faiss"))
    data.write_bytes(data.read_bytes()[:-5] + b"xxxxx")
    with pytest.raises(GensimError, match="corrupt"):
        VectorIndex.load(tmp_path)
