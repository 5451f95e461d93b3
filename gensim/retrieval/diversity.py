"""Diversity of a task library and novelty of a candidate task.

- `embedding_diversity`: mean pairwise cosine distance (1 - cosine) of the tasks' vectors.
- `asset_diversity`: mean pairwise Jaccard distance of the sets of assets the tasks use (the
  asset-diversity figure GenSim reports for its libraries).
- `campaign_diversity`: both, for the tasks of one generation campaign, plus how far they sit
  from the rest of the library.
- `novelty`: the nearest admitted task of a candidate and whether it is far enough to admit.

`NEAR_DUPLICATE_SIMILARITY = 0.90`, measured with MiniLM on the built-in library stand-in of
the tests: the most similar pair of distinct built-in tasks (towers-of-hanoi and its -seq
variant) scores 0.79; light rewordings of one task's description score 0.90 to 0.98. 0.90
keeps a 0.11 margin over distinct tasks; rewordings that change more words slip under it (a
known limit of a pure embedding gate; the critic sees those).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from gensim.errors import UsageError
from gensim.retrieval.index import VectorIndex
from gensim.retrieval.records import Doc, doc_text
from gensim.retrieval.search import Library

NEAR_DUPLICATE_SIMILARITY = 0.90


def embedding_diversity(vectors: np.ndarray) -> float:
    """Mean pairwise cosine distance of unit vectors, in [0, 2]; 0 for fewer than 2 vectors.

    Uses the sum of all pairwise inner products = |sum of vectors|^2 - sum of squared norms,
    so it is O(n d) rather than O(n^2 d).
    """
    vecs = np.asarray(vectors, dtype=np.float64)
    n = len(vecs)
    if n < 2:
        return 0.0
    total = vecs.sum(axis=0)
    pair_sum = float(total @ total) - float((vecs * vecs).sum())
    mean_cos = pair_sum / (n * (n - 1))
    return float(1.0 - mean_cos)


def asset_diversity(asset_sets: Sequence[Collection[str]]) -> float:
    """Mean pairwise Jaccard distance of asset sets, in [0, 1]; two empty sets count as equal."""
    n = len(asset_sets)
    if n < 2:
        return 0.0
    vocab = {a: i for i, a in enumerate(sorted({a for s in asset_sets for a in s}))}
    member = np.zeros((n, max(len(vocab), 1)), dtype=np.float32)
    for row, assets in enumerate(asset_sets):
        for asset in assets:
            member[row, vocab[asset]] = 1.0
    inter = member @ member.T
    sizes = member.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.where(union > 0, 1.0 - inter / np.maximum(union, 1e-9), 0.0)
    upper = np.triu_indices(n, k=1)
    return float(distance[upper].mean())


@dataclass(frozen=True)
class DiversityReport:
    """Diversity figures of a set of tasks (a library or one campaign's tasks)."""

    n_tasks: int
    embedding_diversity: float  # mean pairwise cosine distance
    asset_diversity: float  # mean pairwise Jaccard distance of asset sets
    mean_nearest_similarity: float | None = None  # to the rest of the library (campaigns)

    def as_metrics(self, prefix: str = "diversity") -> dict[str, float]:
        """Flat `{name: value}` for tracking (None values left out)."""
        out = {
            f"{prefix}.n_tasks": float(self.n_tasks),
            f"{prefix}.embedding": self.embedding_diversity,
            f"{prefix}.assets": self.asset_diversity,
        }
        if self.mean_nearest_similarity is not None:
            out[f"{prefix}.mean_nearest_similarity"] = self.mean_nearest_similarity
        return out


def library_diversity(
    vectors: np.ndarray, asset_sets: Sequence[Collection[str]]
) -> DiversityReport:
    """Both diversity figures of a whole library (`vectors` rows align with `asset_sets`)."""
    if len(vectors) != len(asset_sets):
        raise UsageError("vectors and asset sets must describe the same tasks")
    return DiversityReport(
        len(asset_sets), embedding_diversity(vectors), asset_diversity(asset_sets)
    )


def campaign_diversity(
    ids: Sequence[int],
    all_ids: Sequence[int],
    vectors: np.ndarray,
    asset_sets: Sequence[Collection[str]],
) -> DiversityReport:
    """Diversity of the tasks `ids` (one campaign) inside a library given as aligned arrays.

    `mean_nearest_similarity` is the mean, over the campaign's tasks, of the cosine similarity
    to the nearest library task outside the campaign (lower = the campaign went somewhere new).
    """
    if len(all_ids) != len(vectors) or len(all_ids) != len(asset_sets):
        raise UsageError("ids, vectors and asset sets must describe the same tasks")
    row_of = {doc_id: row for row, doc_id in enumerate(all_ids)}
    missing = [i for i in ids if i not in row_of]
    if missing:
        raise UsageError(f"task versions {missing[:5]} are not in the library")
    inside = [row_of[i] for i in ids]
    outside = sorted(set(range(len(all_ids))) - set(inside))
    sub = np.asarray(vectors)[inside]
    nearest = None
    if outside and inside:
        nearest = float((sub @ np.asarray(vectors)[outside].T).max(axis=1).mean())
    return DiversityReport(
        len(inside),
        embedding_diversity(sub),
        asset_diversity([asset_sets[r] for r in inside]),
        nearest,
    )


class Novelty(NamedTuple):
    """The nearest admitted task of a candidate; `passed` = not a near duplicate."""

    nearest_id: int | None  # None when nothing is admitted yet
    similarity: float  # cosine similarity to it (0 when nothing is admitted)
    passed: bool


def novelty(
    candidate_vec: np.ndarray,
    admitted: VectorIndex | tuple[Sequence[int], np.ndarray],
    threshold: float = NEAR_DUPLICATE_SIMILARITY,
) -> Novelty:
    """Gate a candidate: it passes when its nearest admitted task is under `threshold`.

    `admitted` is the index of admitted task versions, or `(ids, vectors)` arrays.
    """
    vec = np.asarray(candidate_vec, dtype=np.float32).reshape(-1)
    if isinstance(admitted, VectorIndex):
        hits = admitted.search(vec, 1)
        if not hits:
            return Novelty(None, 0.0, True)
        nearest_id, similarity = hits[0]
    else:
        ids, vectors = admitted
        if len(ids) == 0:
            return Novelty(None, 0.0, True)
        sims = np.asarray(vectors, dtype=np.float32) @ vec
        best = int(np.argmax(sims))
        nearest_id, similarity = int(ids[best]), float(sims[best])
    return Novelty(nearest_id, similarity, similarity < threshold)


def novelty_of(doc: Doc, library: Library, threshold: float = NEAR_DUPLICATE_SIMILARITY) -> Novelty:
    """`novelty` of a candidate record against the library's admitted tasks (itself excluded)."""
    rows = [r for r, d in enumerate(library.docs) if d.status == "admitted" and d.id != doc.id]
    vec = library.embedder.embed([doc_text(doc)])[0]
    ids = [library.docs[r].id for r in rows]
    return novelty(vec, (ids, library.vectors[rows]), threshold)


def library_report(library: Library, ids: Sequence[int] | None = None) -> DiversityReport:
    """Diversity of a whole `Library`, or of the tasks `ids` inside it (one campaign)."""
    all_ids = [d.id for d in library.docs]
    assets = [d.asset_set for d in library.docs]
    if ids is None:
        return library_diversity(library.vectors, assets)
    return campaign_diversity(ids, all_ids, library.vectors, assets)
