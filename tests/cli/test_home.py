"""The home in force: GENSIM_HOME, else the nearest .gensim here or above, else a new one here,
created on first use and announced once (through the console script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gensim.home import find_home

ROOT = Path(__file__).resolve().parents[2]


def _gensim(cwd: Path, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env["PYTHONPATH"] = str(ROOT)
    if home is not None:
        env["GENSIM_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "gensim.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _no_home_above(folder: Path) -> None:
    for parent in (folder, *folder.parents):
        if (parent / ".gensim").is_dir():
            pytest.skip(f"a .gensim exists at {parent}, above the test's folder")


def test_rule_env_then_nearest_then_new(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    _no_home_above(tmp_path)
    assert find_home(deep, {}).source == "new"
    assert find_home(deep, {}).path == deep.resolve() / ".gensim"
    (tmp_path / "a" / ".gensim").mkdir()
    found = find_home(deep, {})
    assert (found.source, found.path) == ("found", (tmp_path / "a" / ".gensim").resolve())
    (deep / ".gensim").mkdir()
    assert find_home(deep, {}).path == (deep / ".gensim").resolve()  # the nearest wins
    chosen = find_home(deep, {"GENSIM_HOME": str(tmp_path / "elsewhere")})
    assert (chosen.source, chosen.path) == ("env", (tmp_path / "elsewhere").resolve())


def test_new_home_created_on_first_use_and_announced_once(tmp_path: Path) -> None:
    work = tmp_path / "project"
    (work / "docs").mkdir(parents=True)
    _no_home_above(work)
    shown = _gensim(work, "config", "--json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc["home_source"] == "new" and doc["home"] == str(work / ".gensim")
    assert not (work / ".gensim").exists()  # looking creates nothing
    bad = _gensim(work, "demos", "block-insertion", "-n", "0")
    assert bad.returncode == 2 and not (work / ".gensim").exists()  # nor does a usage error

    first = _gensim(work, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert first.stderr.count("created a new home") == 1 and str(work / ".gensim") in first.stderr
    assert (work / ".gensim" / "gensim.db").exists()

    # From a subfolder, the same home is found, silently, and config says why.
    again = _gensim(work / "docs", "config", "--json")
    doc = json.loads(again.stdout)
    assert (doc["home_source"], doc["home"]) == ("found", str(work / ".gensim"))
    assert "created" not in again.stderr
    assert not (work / "docs" / ".gensim").exists()
    text = _gensim(work / "docs", "config").stdout.splitlines()[0]
    assert text.startswith(f"home in force: {work / '.gensim'}") and "above the current folder" in text


def test_gensim_home_wins(tmp_path: Path) -> None:
    (tmp_path / ".gensim").mkdir()
    chosen = tmp_path / "chosen"
    doc = json.loads(_gensim(tmp_path, "config", "--json", home=chosen).stdout)
    assert (doc["home_source"], doc["home"]) == ("env", str(chosen))
    assert "GENSIM_HOME" in doc["home_reason"]
