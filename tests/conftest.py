"""Shared fixtures: an isolated gensim home (database, tracking store) per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@pytest.fixture(scope="session")
def shared_tracking(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """One MLflow store for the whole test session (creating a SQLite store takes seconds)."""
    root = tmp_path_factory.mktemp("mlflow")
    return f"sqlite:///{root / 'mlflow.db'}", (root / "artifacts").as_uri()


@pytest.fixture
def gensim_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                shared_tracking: tuple[str, str]) -> Iterator[Path]:
    """A fresh GENSIM_HOME with settings re-read; nothing leaks into the user's home folder.

    The task DB is the home's own; MLflow runs go to the session's shared store (tests find
    their runs by id). A test that needs an empty store sets GENSIM_MLFLOW_TRACKING_URI itself.
    """
    from gensim.config import get_settings

    home = tmp_path / "gensim-home"
    monkeypatch.setenv("GENSIM_HOME", str(home))
    monkeypatch.setenv("GENSIM_MLFLOW_TRACKING_URI", shared_tracking[0])
    monkeypatch.setenv("GENSIM_MLFLOW_ARTIFACT_ROOT", shared_tracking[1])
    monkeypatch.setenv("GENSIM_TRACKING_SYNC", "1")  # deferred runs logged before the call returns
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _sandboxes_start_again() -> Iterator[None]:
    """A test that sends this process a real SIGINT leaves it marked interrupted, and an
    interrupted process starts no sandbox for the rest of its life (right for a command, not
    for the next test of a pytest session): the mark is cleared after each test."""
    yield
    from gensim.sandbox import registry

    registry._state["interrupted"] = False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fail-on-skip", action="store_true",
                     help="a skipped test fails the run: for CI stages that installed what the tests "
                          "need (the `ray` extra), where a skip would hide that they never ran")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not session.config.getoption("--fail-on-skip") or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            print(f"\nskipped under --fail-on-skip: {report.nodeid}: {reason}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
