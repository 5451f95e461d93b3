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


def test_a_builtin_is_pinned_without_the_orm_as_the_full_path_pins_it(gensim_home: Path) -> None:
    """`gensim demos` pins a built-in through `sqlite3` once the DB holds its current file (the
    ORM's import is most of a second); the pin equals the full path's, and a DB whose newest
    admitted version is not the current file falls back to the full path (the sync)."""
    import json
    import os
    import subprocess
    import sys
    from dataclasses import replace

    from gensim.data.catalog import _quick_builtin, pin_task
    from gensim.db import repository as repo
    from gensim.tasks.builtin import SPECS

    spec = next(s for s in SPECS if s.name == "block-insertion")
    assert _quick_builtin(spec, None) is None  # no database yet
    full = pin_task("block-insertion")  # syncs the built-in: now its current file is stored
    assert _quick_builtin(spec, None) == full
    code = ("import json, sys\nfrom gensim.data.catalog import pin_task\n"
            "print(json.dumps([pin_task('block-insertion').header(), 'sqlalchemy' in sys.modules]))")
    proc = subprocess.run([sys.executable, "-c", code], env=dict(os.environ), capture_output=True, text=True,
                          check=True, timeout=120)
    header, orm = json.loads(proc.stdout)
    assert header == full.header() and not orm
    repo.sync_builtin_tasks([replace(spec, code="# another text")])  # the stored newest is not the file
    assert _quick_builtin(spec, None) is None
    again = pin_task("block-insertion")  # the full path stores the file again, as a new version
    assert again.version == 3 and _quick_builtin(spec, None) == again
