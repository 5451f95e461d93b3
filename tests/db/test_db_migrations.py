"""Migrations: round trip on SQLite, schema equals the models, newer/bad databases, `gensim db`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gensim.cli.main import app
from gensim.db import repository as repo
from gensim.db import session as db
from gensim.errors import UsageError

runner = CliRunner()


def _tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(db.get_engine(url)).get_table_names())


def test_down_to_base_and_up_round_trip(db_url: str) -> None:
    head = db.head_revision()
    assert db.current_revision(db_url) is None
    assert db.upgrade(db_url) == head
    repo.add_task_version("build-bridge", "pass\n", url=db_url)
    assert {"task", "task_version", "task_version_parent", "dataset"} <= _tables(db_url)

    assert db.downgrade(db_url, "base") is None
    assert _tables(db_url) == {"alembic_version"}

    assert db.upgrade(db_url) == head
    assert repo.list_tasks(url=db_url) == []  # the round trip emptied the tables
    assert repo.add_task_version("build-bridge", "pass\n", url=db_url).version == 1


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import gensim.db.models  # noqa: F401

    db.upgrade(db_url)
    with db.get_engine(db_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == [], "models changed without a migration: run `alembic revision --autogenerate`"


def test_first_use_creates_the_schema_and_sqlite_settings(db_url: str) -> None:
    from sqlalchemy import text

    repo.get_or_create_task("build-bridge")  # no explicit upgrade
    assert db.current_revision(db_url) == db.head_revision()
    with db.get_engine(db_url).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000


def _stamp(url: str, revision: str) -> None:
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def test_newer_database_gives_one_clear_usage_error(db_url: str) -> None:
    db.upgrade(db_url)
    _stamp(db_url, "9f9f9f9f9f9f")
    db.dispose_engines()  # a new process: the schema check runs again

    with pytest.raises(UsageError) as caught:
        repo.list_tasks()
    message = str(caught.value)
    assert message == "database schema 9f9f9f9f9f9f is newer than this gensim; upgrade gensim"

    for command in (["db", "upgrade"], ["db", "current"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, command
        assert "newer than this gensim" in result.output and "Traceback" not in result.output


def test_bad_urls_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="bad database URL"):
        db.current_revision("not a url")
    not_a_db = tmp_path / "junk.db"
    not_a_db.write_text("this is not sqlite")
    with pytest.raises(UsageError, match="cannot open database"):
        repo.list_tasks(url=f"sqlite:///{not_a_db}")
    db.dispose_engines()


def test_cli_upgrade_current_downgrade(db_url: str) -> None:
    head = db.head_revision()
    result = runner.invoke(app, ["db", "current", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["revision"] is None

    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert head in result.stdout
    assert Path(db_url.removeprefix("sqlite:///")).is_file()

    result = runner.invoke(app, ["db", "downgrade", "base"])
    assert result.exit_code == 2 and "--yes" in result.output
    assert db.current_revision(db_url) == head  # nothing happened without --yes

    result = runner.invoke(app, ["db", "downgrade", "base", "--yes", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "url": db_url,
        "revision": None,
        "head": head,
        "at_head": False,
    }
    result = runner.invoke(app, ["db", "downgrade", "no-such-rev", "--yes"])
    assert result.exit_code == 2 and "no-such-rev" in result.output


def test_0002_moves_generated_and_imported_versions_off_builtin_tasks(db_url: str) -> None:
    """A database written before the naming rule (a campaign's `build-car v2`/`v3` and an
    imported `block-insertion v2` stored on the built-ins) is cleaned by migration 0002."""
    assert db.upgrade(db_url, "0001") == "0001"
    path = db_url.removeprefix("sqlite:///")
    now = "2026-12-01 10:00:00"
    with sqlite3.connect(path) as con:
        def task(name: str, origin: str) -> int:
            return con.execute("INSERT INTO task (name, origin, tags, created_at) VALUES (?, ?, '[]', ?)",
                               (name, origin, now)).lastrowid

        def version(task_id: int, n: int, code: str, provider: str | None = None,
                    campaign: int | None = None) -> int:
            return con.execute(
                "INSERT INTO task_version (task_id, version, code, code_hash, description, assets, prompts,"
                " provider, model, status, seeds, campaign_id, created_at)"
                " VALUES (?, ?, ?, ?, '', '[]', '{}', ?, NULL, 'admitted', '[]', ?, ?)",
                (task_id, n, code, repo.code_hash(code), provider, campaign, now)).lastrowid

        car, block = task("build-car", "builtin"), task("block-insertion", "builtin")
        lookalike = task("bl0ck-insertion", "imported")
        campaign = con.execute("INSERT INTO generation_campaign (mode, target, provider, model, settings,"
                               " status, counts, created_at) VALUES ('topdown-cot', 'build-car', 'offline',"
                               " 'composer', '{}', 'finished', '{}', ?)", (now,)).lastrowid
        car_v1 = version(car, 1, "class Car: ...\n")
        gen_v2 = version(car, 2, "class Gen2: ...\n", "offline", campaign)
        gen_v3 = version(car, 3, "class Gen3: ...\n", "offline", campaign)
        block_v1 = version(block, 1, "class Block: ...\n")
        imp_v2 = version(block, 2, "class Imported: ...\n")
        con.execute("INSERT INTO validation_result (version_id, stage, passed, seconds, details, created_at)"
                    " VALUES (?, 'static', 1, 0.1, '{}', ?)", (imp_v2, now))
        con.execute("INSERT INTO task_version_parent (child_version_id, parent_version_id, relation)"
                    " VALUES (?, ?, 'repair')", (gen_v3, gen_v2))
        version(lookalike, 1, "class LookAlike: ...\n")

    assert db.upgrade(db_url) == db.head_revision()
    assert [v.id for v in repo.list_versions("build-car")] == [car_v1]
    assert [v.id for v in repo.list_versions("block-insertion")] == [block_v1]
    moved = repo.list_versions("build-car-generated")
    assert [(v.id, v.version) for v in moved] == [(gen_v2, 1), (gen_v3, 2)]
    assert repo.get_task("build-car-generated").origin == "generated"
    assert [(v.id, v.version) for v in repo.list_versions("block-insertion-imported")] == [(imp_v2, 1)]
    assert [link.version.id for link in repo.parents_of(gen_v3)] == [gen_v2]  # lineage kept
    assert repo.get_task("bl0ck-insertion-imported").origin == "imported"
    assert "bl0ck-insertion" not in {t.name for t in repo.list_tasks()}


def test_head_read_without_alembic_is_alembics(db_url: str) -> None:
    """`ensure_schema`'s fast path (no Alembic import) names the same head as Alembic, and
    accepts only a database at that head."""
    assert db._plain_head() == db.head_revision()
    assert db._plain_db_heads(db_url) is None  # no alembic_version table yet: the full path runs
    db.ensure_schema(db_url)
    assert db._plain_db_heads(db_url) == (db.head_revision(),)
