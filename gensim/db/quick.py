"""Fast read-only queries for start-up paths (`gensim tasks list` must stay under a second).

SQLAlchemy and SQLModel take most of a second to import; for a SQLite database these few
queries go through the standard library's `sqlite3` instead. Other databases (PostgreSQL) use
the repository as usual. Nothing here writes, migrates or creates a database file.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gensim.home import find_home


@dataclass(frozen=True)
class AdmittedRow:
    """The newest admitted version of a task (of a built-in task: the newest the sync wrote, also
    in a database that migration 0002 has not cleaned yet)."""

    name: str
    origin: str
    tags: tuple[str, ...]
    version: int
    description: str
    code: str
    provider: str | None = None
    model: str | None = None
    campaign_id: int | None = None
    code_hash: str = ""


_QUERY = """
SELECT t.name, t.origin, t.tags, v.version, v.description, v.code, v.provider, v.model, v.campaign_id,
       v.code_hash
FROM task t JOIN task_version v ON v.task_id = t.id
WHERE v.status = 'admitted' AND v.version = (
    SELECT MAX(v2.version) FROM task_version v2 WHERE v2.task_id = t.id AND v2.status = 'admitted'
      AND (t.origin != 'builtin' OR (v2.provider IS NULL AND v2.campaign_id IS NULL AND NOT EXISTS (
          SELECT 1 FROM validation_result r WHERE r.version_id = v2.id))))
ORDER BY t.name
"""


def configured_db_url() -> str:
    """The task DB URL as `gensim.config.Settings.db_url` resolves it, read from the environment
    without importing pydantic-settings (a test keeps the two in step)."""
    url = os.environ.get("GENSIM_DATABASE_URL")
    if url:
        return url
    home = find_home().path
    return f"sqlite:///{home / 'gensim.db'}"


def sqlite_path(url: str) -> Path | None:
    """The file of a `sqlite:///...` URL, or None for other databases."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            return Path(url[len(prefix):])
    return None


def admitted_rows(url: str, *, exclude_origin: str | None = None) -> list[AdmittedRow]:
    """Each task's newest admitted version; [] when the database does not exist yet; a
    `GensimError` saying why when it exists but cannot be read (callers must not take that for
    "no tasks")."""
    path = sqlite_path(url)
    if path is None:
        return _admitted_rows_orm(url, exclude_origin)
    if not path.exists():
        return []
    rows = None
    # A home that is read-only for this user: plain read-only opening of a WAL database needs to
    # write its -shm file; `immutable` reads the file as it stands, without locks.
    for mode in ("mode=ro", "mode=ro&immutable=1"):
        try:
            con = sqlite3.connect(f"file:{path}?{mode}", uri=True, timeout=30)
            try:
                rows = con.execute(_QUERY).fetchall()
            finally:
                con.close()
            break
        except sqlite3.Error:
            continue
    if rows is None:  # an older schema or an unreadable file: the full path says what is wrong
        return _admitted_rows_orm(url, exclude_origin)
    out = [AdmittedRow(n, o, tuple(json.loads(tags or "[]")), int(v), d or "", c or "", p, m,
                       None if camp is None else int(camp), h or "")
           for n, o, tags, v, d, c, p, m, camp, h in rows]
    return [r for r in out if r.origin != exclude_origin]


def _admitted_rows_orm(url: str, exclude_origin: str | None) -> list[AdmittedRow]:
    from gensim.db import repository as repo

    versions = repo.list_versions(status="admitted", latest_only=True, url=url)
    tasks = {t.id: t for t in repo.list_tasks(url=url)}
    rows = [AdmittedRow(tasks[v.task_id].name, tasks[v.task_id].origin, tuple(tasks[v.task_id].tags),
                        v.version, v.description, v.code, v.provider, v.model, v.campaign_id, v.code_hash)
            for v in versions if v.task_id in tasks]
    return sorted((r for r in rows if r.origin != exclude_origin), key=lambda r: r.name)


@dataclass(frozen=True)
class NewestVersion:
    """A task's newest admitted version, as `pin_task` needs it."""

    version_id: int
    version: int
    code_hash: str
    origin: str
    tags: tuple[str, ...]
    synced: bool  # written by the built-in sync (no provider, no campaign)


def _query(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]] | None:
    """The rows of one query on an existing SQLite file opened read-only; None on any SQLite
    error (an older schema, a locked or damaged file)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None


def newest_admitted(url: str, name: str) -> NewestVersion | None:
    """Task `name`'s newest admitted version; None when that cannot be answered quickly (not
    SQLite, no such file, task or version, an older schema)."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return None
    rows = _query(path, "SELECT v.id, v.version, v.code_hash, t.origin, t.tags, "
                        "v.provider IS NULL AND v.campaign_id IS NULL "
                        "FROM task t JOIN task_version v ON v.task_id = t.id "
                        "WHERE t.name = ? AND v.status = 'admitted' ORDER BY v.version DESC LIMIT 1", (name,))
    if not rows:
        return None
    row = rows[0]
    return NewestVersion(int(row[0]), int(row[1]), str(row[2] or ""), str(row[3]),
                         tuple(json.loads(row[4] or "[]")), bool(row[5]))


@dataclass(frozen=True)
class ModelRow:
    """A checkpoint row that names a registered model version."""

    name: str
    version: str
    path: str
    checkpoint_id: int
    run_id: str | None


def registered_models(url: str) -> list[ModelRow] | None:
    """Every checkpoint of this task DB that names a registered model version (oldest first),
    [] when the file does not exist yet, None when that cannot be answered quickly (not SQLite,
    an older schema)."""
    path = sqlite_path(url)
    if path is None:
        return None
    if not path.exists():
        return []
    rows = _query(path, "SELECT registered_model_name, registered_model_version, path, id, mlflow_run_id "
                        "FROM policy_checkpoint WHERE registered_model_name IS NOT NULL "
                        "AND registered_model_version IS NOT NULL ORDER BY id")
    if rows is None:
        return None
    return [ModelRow(str(n), str(v), str(p), int(i), r) for n, v, p, i, r in rows]


def registered_versions(url: str, name: str) -> list[str] | None:
    """The registered versions of model `name` that this task DB recorded (oldest first), or None
    when that cannot be answered quickly (not SQLite, no file yet, an older schema)."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return None
    rows = _query(path, "SELECT DISTINCT registered_model_version FROM policy_checkpoint "
                        "WHERE registered_model_name = ?", (name,))
    if rows is None:
        return None
    return sorted((str(v) for (v,) in rows if v is not None), key=lambda v: (len(v), v))


def import_orm_meanwhile() -> None:
    """Import the ORM's provenance module (SQLAlchemy, SQLModel: most of a second) in a daemon
    thread, for a command that writes a row through it at the end and has other work first.
    An import error is left to the command's own import, where the module is really used."""
    import threading

    def load() -> None:
        try:
            import gensim.db.provenance  # noqa: F401
        except Exception:  # noqa: BLE001, S110 - the caller's own import raises it again
            pass

    threading.Thread(target=load, daemon=True, name="gensim-import").start()
