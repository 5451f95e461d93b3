"""Shared fixtures: an isolated gensim home (database, tracking store) per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture
def gensim_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh GENSIM_HOME with settings re-read; nothing leaks into the user's home folder."""
    from gensim.config import get_settings

    home = tmp_path / "gensim-home"
    monkeypatch.setenv("GENSIM_HOME", str(home))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()
