"""Fixtures of the LLM layer's tests: the fake OpenAI-compatible server, a provider on it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:  # plain `pytest` (not `python -m pytest`) leaves the repo root off the path
    sys.path.insert(0, _REPO)

from tests.llm.fake_openai_server import FakeOpenAIServer, running_fake_openai  # noqa: E402


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    """A fake OpenAI-compatible server on a free local port."""
    with running_fake_openai() as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    """Collects the backoff delays a provider asked for (instead of sleeping)."""
    return []


@pytest.fixture
def fake_provider(fake_openai: FakeOpenAIServer, sleeps: list[float]):
    """The real `openai` provider pointed at the fake server, with tiny timeouts and no real sleeping."""
    from gensim.llm.openai_provider import OpenAIProvider

    return OpenAIProvider(
        model="fake-model",
        base_url=fake_openai.base_url,
        timeout_s=2.0,
        max_retries=3,
        prices={"fake-model": (1.0, 2.0)},
        backoff_base_s=0.01,
        backoff_max_s=0.05,
        sleep=sleeps.append,
    )


@pytest.fixture
def example_prompts(tmp_path: Path) -> Path:
    """A writable copy of the repo's prompts/_example templates laid out as a prompt root."""
    import shutil

    from gensim.llm.prompts import default_root

    root = tmp_path / "prompts"
    shutil.copytree(default_root() / "_example", root)
    return root
