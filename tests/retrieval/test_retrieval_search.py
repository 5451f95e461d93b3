"""Hybrid search and few-shot selection with the real MiniLM model on the built-in library."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from retrieval_fixtures import NONSENSE, PARAPHRASES, builtin_docs

from gensim.errors import UsageError
from gensim.retrieval.embedder import Embedder, HashingEmbedder
from gensim.retrieval.records import Doc
from gensim.retrieval.search import (
    MIN_KEYWORD,
    MIN_SEMANTIC,
    NO_MATCH_THRESHOLD,
    Library,
    few_shot,
    nearest_neighbour,
    search,
)


@pytest.fixture(scope="module")
def library(minilm: Embedder) -> Library:
    return Library(builtin_docs(), minilm)


def test_there_are_enough_paraphrases_covering_every_task() -> None:
    assert len(PARAPHRASES) >= 22
    assert {name for _, name in PARAPHRASES} == {d.name for d in builtin_docs()}


@pytest.mark.parametrize(("query", "expected"), PARAPHRASES)
def test_paraphrase_finds_its_task_in_top_3(library: Library, query: str, expected: str) -> None:
    names = [h.doc.name for h in library.search(query, k=3)]
    assert expected in names, f"{query!r} -> {names}"


def test_scores_are_in_unit_range_and_sorted(library: Library) -> None:
    hits = library.search("put blocks in bowls", k=10, min_score=0.0)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert all(0.0 <= h.keyword <= 1.0 for h in hits)


def test_task_name_fragments_count(library: Library) -> None:
    assert library.search("insertion")[0].doc.name == "block-insertion"
    top2 = {h.doc.name for h in library.search("stack blocks", k=2)}
    assert top2 == {"stack-block-pyramid", "stack-block-pyramid-seq"}
    assert library.search("google objects")[0].doc.name.startswith("packing-google-objects")


@pytest.mark.parametrize("query", NONSENSE)
def test_nonsense_query_has_no_good_match(library: Library, query: str) -> None:
    assert library.search(query) == []


def _is(name: str, expected: str) -> bool:
    """The registry splits some tasks into variants (`-seen-colors`, `-full`...)."""
    return name == expected or name.startswith(expected + "-")


def _check_calibration(library: Library) -> None:
    """Paraphrases' targets clear every no-match rule, nonsense queries fail one, with margins."""
    targets = [
        next(h for h in library.score_all(q) if _is(h.doc.name, name)) for q, name in PARAPHRASES
    ]
    assert min(h.score for h in targets) > NO_MATCH_THRESHOLD + 0.01
    assert all(h.semantic > MIN_SEMANTIC + 0.02 or h.keyword >= MIN_KEYWORD for h in targets)
    for query in NONSENSE:
        for hit in library.score_all(query)[:5]:
            assert hit.score < NO_MATCH_THRESHOLD - 0.01 or (
                hit.semantic < MIN_SEMANTIC - 0.03 and hit.keyword < MIN_KEYWORD
            ), (query, hit)


def test_no_match_rules_are_calibrated(library: Library) -> None:
    _check_calibration(library)


@pytest.fixture(scope="module")
def registry_library(minilm: Embedder) -> Library:
    from gensim.retrieval.adapters import library_docs

    return Library(library_docs("registry"), minilm)


def test_registry_docstrings_paraphrases_and_calibration(registry_library: Library) -> None:
    """The same held-out queries against the real built-in library (class docstrings + code)."""
    misses = []
    for query, expected in PARAPHRASES:
        names = [h.doc.name for h in registry_library.search(query, k=3)]
        if not any(_is(n, expected) for n in names):
            misses.append((query, expected, names))
    assert misses == []
    for query in NONSENSE:
        assert registry_library.search(query) == []
    _check_calibration(registry_library)


def test_filters_by_origin_tag_and_status(minilm: Embedder) -> None:
    docs = builtin_docs()
    docs[0] = replace(docs[0], origin="generated")  # block-insertion
    docs[1] = replace(docs[1], status="candidate")  # place-red-in-green
    lib = Library(docs, minilm)
    assert [h.doc.name for h in lib.search("insert the block", origin="generated")] == [
        "block-insertion"
    ]
    assert all(h.doc.origin == "builtin" for h in lib.search("insert the block", origin="builtin"))
    hits = lib.search("stack", k=10, tags=["stacking", "language"])
    assert hits and all({"stacking", "language"} <= set(h.doc.tags) for h in hits)
    assert "place-red-in-green" not in [
        h.doc.name for h in lib.search("red in green", status="admitted")
    ]
    with pytest.raises(UsageError):
        lib.search("   ")


def test_few_shot_mmr_trades_relevance_for_variety(library: Library) -> None:
    query = "stack the coloured blocks into a pyramid step by step"
    plain = library.mmr(query, 3, lambda_=1.0)
    mmr = library.mmr(query, 3, lambda_=0.3)
    assert [h.doc.name for h in plain][:2] == ["stack-block-pyramid-seq", "stack-block-pyramid"]
    assert mmr[0].doc.name == plain[0].doc.name  # the best match always comes first

    def redundancy(hits: list) -> float:  # type: ignore[type-arg]
        vecs = library.vectors[[library.docs.index(h.doc) for h in hits]]
        sims = vecs @ vecs.T
        return float(sims[np.triu_indices(len(hits), 1)].mean())

    assert redundancy(mmr) < redundancy(plain) - 0.05
    assert len({h.doc.name for h in mmr}) == 3


def test_few_shot_uses_admitted_docs_only(minilm: Embedder) -> None:
    docs = [replace(d, status="candidate") if "pyramid" in d.name else d for d in builtin_docs()]
    picked = few_shot("build a pyramid of blocks", 4, docs, 0.5, embedder=minilm)
    assert len(picked) == 4 and all(d.status == "admitted" for d in picked)
    with pytest.raises(UsageError):
        Library(docs, minilm).few_shot("x", 2, lambda_=1.5)


def test_module_search_and_library_open(tmp_path: Path, minilm: Embedder) -> None:
    docs = builtin_docs()
    assert search("hanoi", docs, k=1, embedder=minilm)[0].doc.name == "towers-of-hanoi"
    Library.open(docs, minilm, tmp_path)  # builds and saves
    extra = Doc(id=99, name="sort-blocks-by-color", description="Sort blocks into zones by colour.")
    lib = Library.open([*docs, extra], minilm, tmp_path)  # stale: one task added, synced, saved
    assert lib.search("sort by colour", k=1)[0].doc.name == "sort-blocks-by-color"
    from gensim.retrieval.index import VectorIndex

    assert not VectorIndex.load(tmp_path).is_stale([*docs, extra], minilm.name)


def test_library_rejects_duplicate_ids() -> None:
    doc = Doc(id=1, name="a", description="b")
    with pytest.raises(UsageError):
        Library([doc, doc], HashingEmbedder())


def test_nearest_neighbour_of_a_candidate(library: Library, minilm: Embedder) -> None:
    docs = builtin_docs()
    doc, sim = nearest_neighbour(
        "towers of hanoi with four disks: move the whole tower to the last peg",
        None,
        docs,
        embedder=minilm,
    )
    assert doc.name.startswith("towers-of-hanoi") and 0.5 < sim <= 1.0
    with pytest.raises(UsageError):
        nearest_neighbour("x", None, [], embedder=minilm)
