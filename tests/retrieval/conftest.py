"""Fixtures of the retrieval tests: the real MiniLM embedder and the stand-in library."""

from __future__ import annotations

import pytest
from retrieval_fixtures import builtin_docs

from gensim.retrieval.embedder import Embedder
from gensim.retrieval.records import Doc


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The real all-MiniLM-L6-v2 embedder, loaded once per test session."""
    from gensim.retrieval.embedder import get_embedder

    embedder = get_embedder("minilm")
    embedder.embed(["warm up"])
    return embedder


@pytest.fixture
def docs() -> list[Doc]:
    """A fresh copy of the stand-in built-in library."""
    return builtin_docs()
