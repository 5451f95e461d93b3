"""Fixtures of the database tests: a fresh SQLite task database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def db_url(gensim_home: Path) -> Iterator[str]:
    """The URL of a fresh SQLite database in an isolated home (created on first use)."""
    from gensim.config import get_settings
    from gensim.db.session import dispose_engines

    yield get_settings().db_url
    dispose_engines()
