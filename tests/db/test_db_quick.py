"""The start-up fast path reads the same database the settings name, and the same rows."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("env", [{}, {"GENSIM_HOME": "some/home"}, {"GENSIM_DATABASE_URL": "sqlite:////x/y.db"}])
def test_configured_url_matches_settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from gensim.config import Settings
    from gensim.db.quick import configured_db_url

    for var in ("GENSIM_HOME", "GENSIM_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert configured_db_url() == Settings().db_url


def test_admitted_rows_fast_and_full_paths_agree(gensim_home: Path) -> None:
    from gensim.db import quick
    from gensim.db import repository as repo

    url = quick.configured_db_url()
    assert quick.admitted_rows(url) == []  # no database file yet: nothing, and nothing created
    assert not Path(url.removeprefix("sqlite:///")).exists()
    repo.add_task_version("stack-two", "code v1", "first", status="admitted", tags=["t"])
    repo.add_task_version("stack-two", "code v2", "second", status="rejected")
    repo.add_task_version("sort-three", "code", "third", status="admitted", origin="imported")
    fast = quick.admitted_rows(url)
    assert [(r.name, r.version, r.description, r.tags) for r in fast] == [
        ("sort-three", 1, "third", ()), ("stack-two", 1, "first", ("t",))]
    assert fast == quick._admitted_rows_orm(url, None)
    assert [r.name for r in quick.admitted_rows(url, exclude_origin="imported")] == ["stack-two"]
