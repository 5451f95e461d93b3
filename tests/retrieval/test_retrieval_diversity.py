"""Diversity figures and the novelty gate."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import numpy as np
import pytest
from retrieval_fixtures import builtin_docs

from gensim.errors import UsageError
from gensim.retrieval.diversity import (
    NEAR_DUPLICATE_SIMILARITY,
    asset_diversity,
    campaign_diversity,
    embedding_diversity,
    library_report,
    novelty,
    novelty_of,
)
from gensim.retrieval.embedder import Embedder, HashingEmbedder
from gensim.retrieval.index import VectorIndex
from gensim.retrieval.records import Doc
from gensim.retrieval.search import Library


def test_embedding_diversity_matches_the_pairwise_definition() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 12))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    pairwise = np.mean([1.0 - x[i] @ x[j] for i, j in combinations(range(9), 2)])
    assert embedding_diversity(x) == pytest.approx(pairwise, abs=1e-9)
    assert embedding_diversity(np.repeat(x[:1], 5, axis=0)) == pytest.approx(0.0, abs=1e-9)
    assert embedding_diversity(np.array([[1.0, 0.0], [-1.0, 0.0]])) == pytest.approx(2.0)
    assert embedding_diversity(x[:1]) == 0.0


def test_asset_diversity_is_mean_pairwise_jaccard_distance() -> None:
    sets = [{"a", "b"}, {"b", "c"}, {"a", "b"}, set()]
    # pairs: (ab,bc)=1-1/3, (ab,ab)=0, (ab,{})=1, (bc,ab)=2/3, (bc,{})=1, (ab,{})=1
    expected = np.mean([2 / 3, 0.0, 1.0, 2 / 3, 1.0, 1.0])
    assert asset_diversity(sets) == pytest.approx(expected)
    assert asset_diversity([set(), set()]) == 0.0
    assert asset_diversity([{"x"}]) == 0.0


def test_campaign_diversity_of_a_subset() -> None:
    vecs = np.eye(4, dtype=np.float32)
    vecs[1] = vecs[0]  # tasks 10 and 11 are the same
    assets = [{"a"}, {"a"}, {"b"}, {"c"}]
    report = campaign_diversity([10, 11], [10, 11, 12, 13], vecs, assets)
    assert report.n_tasks == 2
    assert report.embedding_diversity == pytest.approx(0.0)
    assert report.asset_diversity == 0.0
    assert report.mean_nearest_similarity == pytest.approx(0.0)
    spread = campaign_diversity([10, 12, 13], [10, 11, 12, 13], vecs, assets)
    assert spread.embedding_diversity == pytest.approx(1.0) and spread.asset_diversity == 1.0
    assert spread.mean_nearest_similarity == pytest.approx(1 / 3)  # 10 has its twin outside
    assert set(spread.as_metrics()) >= {"diversity.embedding", "diversity.assets"}
    with pytest.raises(UsageError):
        campaign_diversity([99], [10, 11, 12, 13], vecs, assets)


def test_novelty_reports_the_nearest_neighbour() -> None:
    vecs = np.eye(3, dtype=np.float32)
    candidate = np.array([0.99, 0.141, 0.0], dtype=np.float32)
    nearest_id, sim, passed = novelty(candidate, ([7, 8, 9], vecs))
    assert nearest_id == 7 and sim == pytest.approx(0.99) and not passed
    index = VectorIndex(3)
    index.add([7, 8, 9], vecs)
    assert novelty(candidate, index) == novelty(candidate, ([7, 8, 9], vecs))
    assert novelty(candidate, ([7, 8, 9], vecs), threshold=0.999).passed
    assert novelty(candidate, VectorIndex(3)) == (None, 0.0, True)


def test_library_report_on_hashing_vectors() -> None:
    docs = [
        Doc(id=i, name=f"t{i}", description=f"words {i}", assets=(f"a{i % 2}",)) for i in range(4)
    ]
    lib = Library(docs, HashingEmbedder(32))
    report = library_report(lib)
    assert report.n_tasks == 4 and 0.0 < report.embedding_diversity <= 2.0
    assert report.asset_diversity == pytest.approx(4 / 6)  # 4 of the 6 pairs differ
    assert library_report(lib, [0, 2]).asset_diversity == 0.0


def test_novelty_gate_with_minilm(minilm: Embedder) -> None:
    docs = builtin_docs()
    lib = Library(docs, minilm)
    # distinct built-in tasks, even -seq variants, all pass the gate against the others
    for doc in docs:
        assert novelty_of(doc, lib).passed, doc.name
    # a near duplicate of stack-block-pyramid (same task, reworded) is flagged, and named
    original = next(d for d in docs if d.name == "stack-block-pyramid")
    dup = replace(
        original,
        id=500,
        name="stack-block-pyramid-v2",
        description="Build a pyramid out of six blocks on the stand: three on the bottom row, "
        "two in the middle and one on the top.",
        status="candidate",
    )
    verdict = novelty_of(dup, lib)
    assert verdict.nearest_id == original.id and verdict.similarity >= NEAR_DUPLICATE_SIMILARITY
    assert not verdict.passed
    new = Doc(
        id=501,
        name="sort-fruit-by-size",
        description="Sort plastic fruit from small to large "
        "in a row along the front edge of the table.",
        status="candidate",
    )
    assert novelty_of(new, lib).passed
    report = library_report(lib)
    assert 0.3 < report.embedding_diversity < 1.0 and report.asset_diversity > 0.6
