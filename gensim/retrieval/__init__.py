"""Retrieval over the task library: embeddings, a faiss index, hybrid search, few-shot
selection by maximal marginal relevance, and diversity / novelty scores.

Works on plain `Doc` records; `gensim.retrieval.adapters` turns registry specs and DB rows into
them. faiss and the embedding model are imported only when first used.
"""

from __future__ import annotations

from gensim.retrieval.diversity import (
    NEAR_DUPLICATE_SIMILARITY,
    DiversityReport,
    Novelty,
    asset_diversity,
    campaign_diversity,
    embedding_diversity,
    library_diversity,
    library_report,
    novelty,
    novelty_of,
)
from gensim.retrieval.embedder import Embedder, HashingEmbedder, MiniLMEmbedder, get_embedder
from gensim.retrieval.index import APPROX_THRESHOLD, VectorIndex, choose_kind
from gensim.retrieval.records import Doc, doc_text, fingerprint
from gensim.retrieval.search import (
    NO_MATCH_THRESHOLD,
    Library,
    SearchHit,
    few_shot,
    nearest_neighbour,
    search,
)
from gensim.retrieval.summary import CodeSummary, summarize_code

__all__ = [
    "APPROX_THRESHOLD",
    "NEAR_DUPLICATE_SIMILARITY",
    "NO_MATCH_THRESHOLD",
    "CodeSummary",
    "DiversityReport",
    "Doc",
    "Embedder",
    "HashingEmbedder",
    "Library",
    "MiniLMEmbedder",
    "Novelty",
    "SearchHit",
    "VectorIndex",
    "asset_diversity",
    "campaign_diversity",
    "choose_kind",
    "doc_text",
    "embedding_diversity",
    "few_shot",
    "fingerprint",
    "get_embedder",
    "library_diversity",
    "library_report",
    "nearest_neighbour",
    "novelty",
    "novelty_of",
    "search",
    "summarize_code",
]
