"""Engines, sessions and migrations of the task database.

`get_engine(url)` is cached per URL (default: `get_settings().db_url`). SQLite gets WAL,
a 30 s busy timeout and foreign keys; its write transactions start with `BEGIN IMMEDIATE`
(`session_scope(write=True)`), so that concurrent writer processes queue for the write lock
instead of failing when a read turns into a write. Migrations run through Alembic's Python API
from `gensim/migrations/` (package data: an editable install and a wheel both carry it). `session_scope()` brings the schema to head once per process and URL.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from gensim.errors import GensimError, UsageError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

T = TypeVar("T")
WRITE_ATTEMPTS = 10  # tries of a write transaction that lost a race
BUSY_TIMEOUT_S = 30.0  # how long a SQLite writer waits for the write lock (seconds)
_BEGIN_OPTION = "gensim_sqlite_begin"  # execution option read by the SQLite "begin" hook

_engines: dict[str, Engine] = {}
_ready: set[str] = set()  # URLs whose schema was checked to be at head in this process
_lock = threading.Lock()


def resolve_url(url: str | None = None) -> str:
    """`url`, or the configured database URL when None."""
    if url:
        return url
    from gensim.config import get_settings

    return get_settings().db_url


def display_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL has nothing to hide that we could find
        return url.split("@")[-1] if "@" in url else url


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: the configured database), created once per process."""
    key = resolve_url(url)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _create_engine(key)
    return engine


def _create_engine(url: str) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as err:
        raise UsageError(f"bad database URL '{display_url(url)}': {err}") from None
    if parsed.drivername == "postgresql" and not _has_module("psycopg2") and _has_module("psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is what gensim installs
    is_sqlite = parsed.get_backend_name() == "sqlite"
    kwargs: dict[str, Any] = {"pool_pre_ping": not is_sqlite}
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in database
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S}
        if not in_memory and not database.startswith("file:"):
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise UsageError(f"cannot create the database folder for '{url}': {err}") from None
    try:
        engine = create_engine(parsed, **kwargs)
    except Exception as err:  # unknown dialect, missing driver, bad arguments
        raise UsageError(f"bad database URL '{display_url(url)}': {err}") from None
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas(in_memory))
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _sqlite_pragmas(in_memory: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions on its own: `_sqlite_begin` does, so that it
        # can choose IMMEDIATE for writers.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL, much faster
        cursor.close()

    return on_connect


def _sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def write_options() -> dict[str, Any]:
    """Execution options for a connection that writes (SQLite: take the write lock at BEGIN)."""
    return {_BEGIN_OPTION: "IMMEDIATE"}


def migration_options() -> dict[str, Any]:
    """Execution options for the connection that runs migrations."""
    return write_options()


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (tests, forked workers)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _ready.clear()


def _after_fork_in_child() -> None:
    # Pooled connections must never be shared with a parent process.
    for engine in list(_engines.values()):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)


@contextmanager
def session_scope(
    url: str | None = None, *, write: bool = False, migrate: bool = True
) -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    Objects stay usable after the block (`expire_on_commit=False`). `write=True` takes the
    SQLite write lock at the start of the transaction. `migrate` brings the schema to head
    first (once per process and URL).
    """
    from sqlmodel import Session

    if migrate:
        ensure_schema(url)
    engine = get_engine(url)
    bind = engine.execution_options(**write_options()) if write else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def run_write(fn: Callable[[Session], T], url: str | None = None) -> T:
    """Run `fn` in a write transaction, retrying on unique-key races and busy databases."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    for attempt in range(WRITE_ATTEMPTS):
        last = attempt == WRITE_ATTEMPTS - 1
        try:
            with session_scope(url, write=True) as session:
                return fn(session)
        except IntegrityError as err:
            if last:
                raise GensimError(f"database write kept conflicting: {_first_line(err)}") from err
        except OperationalError as err:
            if "locked" not in str(err).lower():
                raise
            if last:
                raise GensimError(f"database stayed locked: {_first_line(err)}") from err
        time.sleep(0.005 * (attempt + 1))  # the other writer is committing; let it finish
    raise AssertionError("unreachable")


# Migrations ------------------------------------------------------------------------------


def migrations_dir() -> Path:
    """The Alembic script folder shipped inside the package (`gensim/migrations/`)."""
    path = Path(__file__).resolve().parent.parent / "migrations"
    if not (path / "env.py").is_file() or not (path / "alembic.ini").is_file():
        raise GensimError(f"database migrations not found at {path}; reinstall gensim")
    return path


def _alembic_config() -> Config:
    from alembic.config import Config

    return Config(str(migrations_dir() / "alembic.ini"))


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


def head_revision() -> str:
    """The newest revision this code knows."""
    head = _script().get_current_head()
    if head is None:
        raise GensimError("no database migrations found")
    return head


def _db_heads(connection: Connection) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    return tuple(MigrationContext.configure(connection).get_current_heads())


def _first_line(err: Exception) -> str:
    text = str(getattr(err, "orig", None) or err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _open_error(url: str, err: Exception) -> UsageError:
    return UsageError(f"cannot open database '{display_url(url)}': {_first_line(err)}")


def _read_heads(url: str | None) -> tuple[str, ...]:
    from sqlalchemy.exc import SQLAlchemyError

    key = resolve_url(url)
    try:
        with get_engine(key).connect() as connection:
            return _db_heads(connection)
    except SQLAlchemyError as err:
        raise _open_error(key, err) from None


def _check_known(heads: tuple[str, ...]) -> None:
    script = _script()
    for rev in heads:
        try:
            known = script.get_revision(rev) is not None
        except Exception:
            known = False
        if not known:
            raise UsageError(f"database schema {rev} is newer than this gensim; upgrade gensim")


def current_revision(url: str | None = None) -> str | None:
    """The database's schema revision (None for an empty database); does not migrate.

    A revision this gensim does not know (a newer gensim wrote the DB) is a `UsageError`."""
    heads = _read_heads(url)
    _check_known(heads)
    return ",".join(heads) if heads else None


def _migrate(url: str | None, direction: str, revision: str) -> str | None:
    from alembic import command
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    key = resolve_url(url)
    _check_known(_read_heads(key))
    config = _alembic_config()
    try:
        with get_engine(key).execution_options(**migration_options()).connect() as connection:
            config.attributes["connection"] = connection
            getattr(command, direction)(config, revision)
    except CommandError as err:
        raise UsageError(f"cannot {direction} to '{revision}': {err}") from None
    except SQLAlchemyError as err:
        raise _open_error(key, err) from None
    with _lock:
        _ready.discard(key)
    return current_revision(key)


def upgrade(url: str | None = None, revision: str = "head") -> str | None:
    """Migrate the database up to `revision` (default head); returns the revision reached."""
    return _migrate(url, "upgrade", revision)


def downgrade(url: str | None, revision: str) -> str | None:
    """Migrate the database down to `revision` ("base" empties it); returns the revision reached."""
    return _migrate(url, "downgrade", revision)


_REVISION_LINE = re.compile(r"^(down_revision|revision)\b[^=\n]*=\s*(None|\"(\w+)\")\s*$", re.MULTILINE)


@lru_cache(maxsize=1)
def _plain_head() -> str | None:
    """The head revision read from the migration files' `revision`/`down_revision` lines,
    without importing Alembic (a third of a second); None when the files are not one plain
    chain (a merge, a tuple), and Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        found = dict((m.group(1), m.group(3)) for m in _REVISION_LINE.finditer(path.read_text()))
        if not found.get("revision") or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        if found["down_revision"] is not None:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _plain_db_heads(key: str) -> tuple[str, ...] | None:
    """The database's revisions read with SQLAlchemy alone (None when that fails)."""
    from sqlalchemy import column, select, table
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with get_engine(key).connect() as connection:
            query: Any = select(column("version_num")).select_from(table("alembic_version"))
            return tuple(str(value) for value in connection.execute(query).scalars())
    except SQLAlchemyError:
        return None


def ensure_schema(url: str | None = None) -> None:
    """Bring the schema to head once per process and URL; cheap once done (a database already
    at the head is recognised without Alembic)."""
    key = resolve_url(url)
    if key in _ready:
        return
    head = _plain_head()
    if head is not None and _plain_db_heads(key) == (head,):
        with _lock:
            _ready.add(key)
        return
    heads = _read_heads(key)
    _check_known(heads)
    if heads != (head_revision(),):
        upgrade(key)
    with _lock:
        _ready.add(key)
