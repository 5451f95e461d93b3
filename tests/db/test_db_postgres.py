"""The same migrations and repository on a real PostgreSQL server started for this module.

The server comes from the machine's PostgreSQL binaries (initdb, pg_ctl); the module is skipped,
with the reason, when they are absent or cannot run as a non-root user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gensim.db import provenance as prov
from gensim.db import repository as repo
from gensim.db import session as db

pytestmark = pytest.mark.postgres


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))  # Debian's layout
    return candidates[-1] if candidates else None


def _as_server_user() -> tuple[list[str], int | None]:
    """A command prefix that runs as a non-root user (initdb refuses root), and its uid."""
    if os.geteuid() != 0:
        return [], None
    import pwd

    runuser = shutil.which("runuser")
    try:
        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        pytest.skip("running as root and there is no 'postgres' user to run the server as")
    if runuser is None:
        pytest.skip("running as root and there is no runuser to switch to the 'postgres' user")
    return [runuser, "-u", "postgres", "--"], uid


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on a free local port, trusting local connections."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    prefix, uid = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="gensim-pg-"))
    data = root / "data"
    if uid is not None:
        os.chown(root, uid, -1)
    port = _free_port()

    def run(*args: str) -> None:
        proc = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            pytest.skip(
                f"could not start PostgreSQL: {(proc.stderr or proc.stdout).strip()[-300:]}"
            )

    try:
        run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "--no-locale",
            "-E", "UTF8", "--no-sync")  # fmt: skip
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} -c fsync=off"
        run(
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(root / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        db.dispose_engines()
        if (data / "postmaster.pid").exists():
            subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def _tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(db.get_engine(url)).get_table_names())


def test_upgrade_downgrade_upgrade_on_postgres(postgres_url: str) -> None:
    head = db.head_revision()
    assert db.upgrade(postgres_url) == head
    assert {"task", "task_version", "validation_result", "checkpoint_dataset"} <= _tables(
        postgres_url
    )
    assert db.downgrade(postgres_url, "base") is None
    assert _tables(postgres_url) == {"alembic_version"}
    assert db.upgrade(postgres_url) == head
    assert db.current_revision(postgres_url) == head
    # a URL without a driver name gets psycopg 3 (psycopg2 is not a dependency)
    assert db.current_revision(postgres_url.replace("+psycopg", "")) == head


def test_repository_write_and_read_on_postgres(postgres_url: str) -> None:
    url = postgres_url
    base = repo.add_task_version("pg-stack", "stack\n", status="admitted", tags=["pg"], url=url)
    child = repo.add_task_version(
        "pg-stack", "stack v2\n", parents=[(base.id, "edit")], seeds=[1, 3], url=url
    )
    assert child.version == 2
    assert repo.get_task("pg-stack", url=url).tags == ["pg"]
    assert repo.get_task_version("pg-stack", status="admitted", url=url).id == base.id
    assert [p.version.id for p in repo.parents_of(child.id, url=url)] == [base.id]
    assert [c.relation for c in repo.children_of(base.id, url=url)] == ["edit"]
    data = prov.add_dataset("pg-data", "d", [base.id, child.id], size_bytes=2**40, url=url)
    assert prov.get_dataset(data.id, url=url).size_bytes == 2**40
    assert [d.id for d in prov.datasets_for_version(child.id, url=url)] == [data.id]
    assert prov.add_validation_result(child.id, "static", True, url=url).passed is True


def test_concurrent_version_numbers_on_postgres(postgres_url: str) -> None:
    def write(i: int) -> int:
        return repo.add_task_version("pg-race", f"# {i}\n", url=postgres_url).version

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = sorted(pool.map(write, range(24)))
    assert numbers == list(range(1, 25))
