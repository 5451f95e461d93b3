"""The CLI given bad input prints one clear line and exits 2; never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def _gensim(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(GENSIM_HOME=str(home), PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.run([sys.executable, "-m", "gensim.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def _newer_schema_home(tmp_path: Path) -> Path:
    home = tmp_path / "newer"
    home.mkdir()
    with sqlite3.connect(home / "gensim.db") as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        db.execute("INSERT INTO alembic_version VALUES ('f00dfeedcafe')")
    return home


CASES = {
    "unknown task": ("tasks", "check", "no-such-task-at-all"),
    "missing file": ("tasks", "check", "--file", "/nonexistent/task_file.py"),
    "bad seed count": ("tasks", "check", "--file", __file__, "--seeds", "0"),
    "unreadable DB URL": ("db", "current", "--url", "GARBAGE_DB"),
    "unknown DB scheme": ("db", "current", "--url", "nosuchdb://user@host/db"),
    "generate: bad seed count": ("generate", "--mode", "bottomup", "--seeds", "0"),
    "generate: unknown mode": ("generate", "--mode", "sideways"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database\x00" * 64)
    args = [f"sqlite:///{garbage}" if a == "GARBAGE_DB" else a for a in CASES[case]]
    proc = _gensim(tmp_path / "home", *args)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-800:])
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr


def test_database_from_a_newer_schema(tmp_path: Path) -> None:
    home = _newer_schema_home(tmp_path)
    for args in (("db", "upgrade"), ("generate", "--mode", "bottomup", "--trials", "1", "--quiet")):
        proc = _gensim(home, *args)
        assert proc.returncode == 2, (args, proc.stderr[-800:])
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "f00dfeedcafe" in proc.stderr or "newer" in proc.stderr.lower()
