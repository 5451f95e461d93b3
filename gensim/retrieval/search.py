"""Hybrid task search and few-shot example selection over a library of `Doc`s.

score = SEMANTIC_WEIGHT * max(cosine, 0) + (1 - SEMANTIC_WEIGHT) * keyword score, in [0, 1].

A hit that reaches `GOOD_FIT_SCORE` fits the query well; below it, a hit is only the closest
thing there is, and `gensim tasks search` says so ("nothing fits well"). With the default
embedder, paraphrases of a task's description score 0.55-0.85 against it, while the nearest
unrelated tasks of a query the library has no task for score 0.15-0.45 (e.g. "sort objects by
color": 0.39 for packing-google-objects-group).

A hit is a good match when its score reaches `NO_MATCH_THRESHOLD` and either its meaning
(cosine >= `MIN_SEMANTIC`) or its words (keyword >= `MIN_KEYWORD`) match well; a search with no
good match returns nothing. The constants are calibrated in
tests/retrieval/test_retrieval_search.py on held-out paraphrases and nonsense queries, against
the stand-in library and the registry's built-in tasks (MiniLM embedder): paraphrases reach a
cosine of 0.23 or more with their task, nonsense queries at most 0.15 with any task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gensim.errors import UsageError
from gensim.retrieval.embedder import Embedder, get_embedder
from gensim.retrieval.index import VectorIndex, choose_kind
from gensim.retrieval.keywords import KeywordIndex
from gensim.retrieval.records import Doc, doc_text

SEMANTIC_WEIGHT = 0.6
NO_MATCH_THRESHOLD = 0.16
GOOD_FIT_SCORE = 0.5  # a hit at or above it fits the query well (see the module docstring)
MIN_SEMANTIC = 0.2
MIN_KEYWORD = 0.5
MIN_SEMANTIC_CANDIDATES = 64  # nearest vectors always considered, beside the keyword matches


@dataclass(frozen=True)
class SearchHit:
    """One result: the record, its combined score and the two parts it was made of."""

    doc: Doc
    score: float  # combined, in [0, 1]
    semantic: float  # cosine similarity of query and task text
    keyword: float  # keyword score in [0, 1]


class Library:
    """Docs with their vectors (from a faiss index) and a keyword index: what searches run on."""

    def __init__(
        self, docs: Sequence[Doc], embedder: Embedder, index: VectorIndex | None = None
    ) -> None:
        self.docs = list(docs)
        ids = [d.id for d in self.docs]
        if len(set(ids)) != len(ids):
            raise UsageError("the library has duplicate task-version ids")
        self.embedder = embedder
        if index is None:
            index = VectorIndex.rebuild(self.docs, embedder)
        elif index.is_stale(self.docs, embedder.name):
            if index.embedder_name != embedder.name or index.dim != embedder.dim:
                index = VectorIndex.rebuild(self.docs, embedder, kind=index.kind)
            else:
                index.sync(self.docs, embedder)
        self.index = index
        self.vectors = index.vectors(ids) if ids else np.zeros((0, embedder.dim), np.float32)
        self._row = {doc_id: row for row, doc_id in enumerate(ids)}
        self._keywords = KeywordIndex(self.docs)

    @classmethod
    def open(cls, docs: Sequence[Doc], embedder: Embedder, folder: Path) -> Library:
        """Use the index saved in `folder`, bringing it up to date (and saving it) if stale;
        it becomes approximate (or exact again) when the library crosses the size threshold."""
        index = VectorIndex.load(folder) if (folder / "manifest.json").exists() else None
        fresh = index is not None and not index.is_stale(docs, embedder.name)
        if index is not None and index.kind != choose_kind(len(docs), index.kind):
            index, fresh = index.with_kind(choose_kind(len(docs), index.kind)), False
        library = cls(docs, embedder, index)
        if not fresh:
            library.index.save(folder)
        return library

    def __len__(self) -> int:
        return len(self.docs)

    def embed_query(self, text: str) -> np.ndarray:
        """The query's vector."""
        return self.embedder.embed([text])[0]

    def score_all(
        self,
        query: str,
        query_vec: np.ndarray | None = None,
        rows: Sequence[int] | None = None,
        limit: int | None = None,
    ) -> list[SearchHit]:
        """Unfiltered hits, best first (up to `limit`), for `rows` of `docs` (default: the
        candidates: the nearest vectors and every keyword match; no other doc scores higher)."""
        rows_arr, cos, kw, score = self._scores(query, query_vec, rows)
        return self._hits(rows_arr, cos, kw, score, np.ones(len(rows_arr), bool), limit)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        origin: str | None = None,
        tags: Sequence[str] = (),
        status: str | None = None,
        min_score: float = NO_MATCH_THRESHOLD,
    ) -> list[SearchHit]:
        """The up to `k` best good matches passing the filters; `[]` = no good match.

        `min_score=0` returns every candidate, good match or not (for inspection)."""
        if not query.strip():
            raise UsageError("empty search query")
        rows = None
        if origin is not None or tags or status is not None:
            # score every doc that passes, so rare origins or tags are not crowded out
            rows = [
                r
                for r, d in enumerate(self.docs)
                if (origin is None or d.origin == origin)
                and all(t in d.tags for t in tags)
                and (status is None or d.status == status)
            ]
        rows_arr, cos, kw, score = self._scores(query, None, rows, depth=k)
        keep = np.ones(len(rows_arr), bool)
        if min_score > 0:
            keep = (score >= min_score) & ((cos >= MIN_SEMANTIC) | (kw >= MIN_KEYWORD))
        return self._hits(rows_arr, cos, kw, score, keep, k)

    def _scores(
        self,
        query: str,
        query_vec: np.ndarray | None,
        rows: Sequence[int] | None,
        depth: int = 0,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rows, cosines, keyword scores and combined scores of the candidate docs."""
        qvec = self.embed_query(query) if query_vec is None else query_vec
        keyword = self._keywords.scores(query)
        if rows is None:
            n_sem = max(MIN_SEMANTIC_CANDIDATES, depth)
            if len(keyword) + n_sem >= len(self.docs) // 2:
                rows = range(len(self.docs))  # most docs are candidates: score them all
            else:
                nearest = {self._row[i] for i, _ in self.index.search(qvec, n_sem)}
                rows = sorted(nearest | set(keyword))
        rows_arr = np.asarray(rows, dtype=np.int64)
        cos = self.vectors[rows_arr] @ qvec if len(rows_arr) else np.zeros(0, np.float32)
        kw = np.array([keyword.get(int(r), 0.0) for r in rows_arr], dtype=np.float32)
        score = SEMANTIC_WEIGHT * np.maximum(cos, 0.0) + (1.0 - SEMANTIC_WEIGHT) * kw
        return rows_arr, cos, kw, np.minimum(score, 1.0)

    def _hits(
        self,
        rows: np.ndarray,
        cos: np.ndarray,
        kw: np.ndarray,
        score: np.ndarray,
        keep: np.ndarray,
        limit: int | None,
    ) -> list[SearchHit]:
        """`SearchHit`s of the kept rows, best first (ties by name, version), up to `limit`."""
        idx = np.flatnonzero(keep)
        idx = idx[np.argsort(-score[idx], kind="stable")]
        if limit is not None and len(idx) > limit:
            cutoff = score[idx[limit - 1]] if limit > 0 else np.inf
            idx = idx[score[idx] >= cutoff]  # keep ties at the cut, the sort below breaks them
        hits = [
            SearchHit(self.docs[rows[i]], float(score[i]), float(cos[i]), float(kw[i])) for i in idx
        ]
        hits.sort(key=lambda h: (-h.score, h.doc.name, h.doc.version))
        return hits if limit is None else hits[:limit]

    def few_shot(
        self,
        query_text: str,
        k: int,
        lambda_: float = 0.5,
        *,
        exclude_names: Sequence[str] = (),
    ) -> list[Doc]:
        """k examples for a prompt: the docs of `mmr`."""
        return [h.doc for h in self.mmr(query_text, k, lambda_, exclude_names=exclude_names)]

    def mmr(
        self,
        query_text: str,
        k: int,
        lambda_: float = 0.5,
        *,
        exclude_names: Sequence[str] = (),
    ) -> list[SearchHit]:
        """Maximal marginal relevance among admitted docs: relevant to the query, unlike each other.

        Each pick maximises `lambda_ * score - (1 - lambda_) * max cosine to the picks so far`;
        `lambda_=1` is plain relevance ranking, lower values trade relevance for variety.
        """
        if not 0.0 <= lambda_ <= 1.0:
            raise UsageError("lambda_ must be in [0, 1]")
        rows = [
            r
            for r, d in enumerate(self.docs)
            if d.status == "admitted" and d.name not in exclude_names
        ]
        pool = {h.doc.id: h for h in self.score_all(query_text, rows=rows)}
        chosen: list[SearchHit] = []
        chosen_vecs: list[np.ndarray] = []
        while pool and len(chosen) < k:
            best_id, best_value = -1, -np.inf
            for doc_id, hit in pool.items():
                vec = self.vectors[self._row[doc_id]]
                redundancy = max((float(vec @ c) for c in chosen_vecs), default=0.0)
                value = lambda_ * hit.score - (1.0 - lambda_) * redundancy
                if value > best_value:
                    best_id, best_value = doc_id, value
            chosen.append(pool.pop(best_id))
            chosen_vecs.append(self.vectors[self._row[best_id]])
        return chosen


def search(
    query: str,
    records: Sequence[Doc],
    k: int = 5,
    *,
    origin: str | None = None,
    tags: Sequence[str] = (),
    embedder: Embedder | None = None,
) -> list[SearchHit]:
    """`Library(records).search(...)` with the default embedder (vectors cached per process)."""
    library = Library(records, embedder or get_embedder())
    return library.search(query, k, origin=origin, tags=tags)


def few_shot(
    query_text: str,
    k: int,
    records: Sequence[Doc],
    lambda_: float = 0.5,
    *,
    embedder: Embedder | None = None,
) -> list[Doc]:
    """k admitted records for a prompt, relevant to `query_text` and varied (MMR, see `mmr`)."""
    return Library(records, embedder or get_embedder()).few_shot(query_text, k, lambda_)


def nearest_neighbour(
    text: str,
    code: str | None,
    records: Sequence[Doc],
    *,
    embedder: Embedder | None = None,
) -> tuple[Doc, float]:
    """The record most similar to a candidate (its name/description `text` and `code`), with
    the cosine similarity of their embedded texts. `records` must not be empty."""
    if not records:
        raise UsageError("no records to compare with")
    library = Library(records, embedder or get_embedder())
    vec = library.embedder.embed([doc_text(Doc(id=-1, name="", description=text, code=code))])[0]
    sims = library.vectors @ vec
    best = int(np.argmax(sims))
    return library.docs[best], float(sims[best])
