"""Hostile import bundles (tests/fixtures/hostile_bundles): confined reads, names checked first.

Each bundle holds `expected.json`: `setup` (links, FIFOs, huge and binary files the test makes,
since git should not hold them) and `entries`, the report expected in order as
`[name, outcome, stage, reason fragment]`. The import runs through the console script in a
child process whose environment holds a secret, so that a read of `/proc/self/environ` would
put it in the DB; a secret file sits next to the bundle. After the import the DB's bytes hold
neither secret, every good entry is admitted, and the built-ins' default versions are as before.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gensim.cli.main import app

BUNDLES = Path(__file__).resolve().parents[1] / "fixtures" / "hostile_bundles"
REPO = Path(__file__).resolve().parents[2]
ENV_SECRET = "GENSIM-TEST-ENV-SECRET-5f3a9c"
FILE_SECRET = "GENSIM-TEST-FILE-SECRET-77d1e0"
runner = CliRunner()


def _prepare(name: str, tmp_path: Path) -> tuple[Path, dict]:
    """A copy of the bundle in tmp_path/work/NAME with its setup done, and its expectations."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "outside_secret.py").write_text(f"SECRET = '{FILE_SECRET}'\n")
    bundle = work / name
    shutil.copytree(BUNDLES / name, bundle)
    expected = json.loads((bundle / "expected.json").read_text())
    (bundle / "expected.json").unlink()
    for step in expected["setup"]:
        if "symlink" in step:
            os.symlink(step["to"], bundle / step["symlink"])
        elif "hardlink" in step:
            os.link(bundle / step["to"], bundle / step["hardlink"])
        elif "fifo" in step:
            os.mkfifo(bundle / step["fifo"])
        elif "mkdir" in step:
            (bundle / step["mkdir"]).mkdir()
        elif "sparse" in step:
            with open(bundle / step["sparse"], "wb") as f:
                f.truncate(step["bytes"])
        elif "text" in step:
            (bundle / step["text"]).write_text("#" * (step["bytes"] - 1) + "\n")
        elif "raw" in step:
            (bundle / step["raw"]).write_bytes(bytes.fromhex(step["hex"]))
    return bundle, expected


def _import(bundle: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "GENSIM_TEST_SECRET": ENV_SECRET}
    return subprocess.run([sys.executable, "-m", "gensim.cli.main", "tasks", "import", str(bundle),
                           "--seeds", "2", *extra], capture_output=True, text=True, env=env, timeout=600)


def _builtin_versions() -> dict[str, int]:
    listed = json.loads(runner.invoke(app, ["tasks", "list", "--json"]).stdout)
    return {t["name"]: t["version"] for t in listed if t["origin"] == "builtin"}


def _db_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(home.glob("gensim.db*")))


@pytest.mark.parametrize("name", sorted(p.name for p in BUNDLES.iterdir() if p.is_dir()))
def test_hostile_bundle(name: str, gensim_home: Path, tmp_path: Path) -> None:
    from gensim.db import repository as repo
    from gensim.generation.library import sync_builtins

    sync_builtins()
    before = _builtin_versions()
    bundle, expected = _prepare(name, tmp_path)
    proc = _import(bundle, "--json")
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    got = [[e["name"], e["outcome"], e["stage"], e["reason"]] for e in report["entries"]]
    assert len(got) == len(expected["entries"]), got
    for (g_name, g_outcome, g_stage, g_reason), (name_, outcome, stage, fragment) in zip(
            got, expected["entries"], strict=True):
        assert (g_name, g_outcome, g_stage) == (name_, outcome, stage), (g_name, g_reason)
        if fragment:
            assert fragment in g_reason, (g_name, g_reason)
    # The exit code says that something was rejected; good entries went through all the same.
    assert proc.returncode == 1 and report["failed"]
    admitted = [e[0] for e in expected["entries"] if e[1] == "admitted"]
    assert report["admitted"] == admitted and admitted

    # Nothing from outside the bundle was read into the DB; rejected names were never stored.
    stored = _db_bytes(gensim_home)
    assert ENV_SECRET.encode() not in stored and FILE_SECRET.encode() not in stored
    assert b"root:x:0:0" not in stored
    checked = {e[0] for e in expected["entries"] if e[2] not in ("name", "path", "read")}
    names = {t.name for t in repo.list_tasks() if t.origin != "builtin"}
    assert names == checked, names
    # The built-ins keep their default versions, and only the built-in sync wrote them.
    assert _builtin_versions() == before
    for builtin in before:
        assert all(v.provider is None and v.campaign_id is None for v in repo.list_versions(builtin))


def test_human_report_escapes_names_and_reasons(gensim_home: Path, tmp_path: Path) -> None:
    bundle, expected = _prepare("homoglyph_names", tmp_path)
    result = runner.invoke(app, ["tasks", "import", str(bundle), "--seeds", "2", "--no-index"])
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == len(expected["entries"]) + 1
    assert lines[0].startswith("rejected  bl\\u043e\\u0441k-insertion at name: ")
    assert "admitted  yellow-block-in-bowl v1" in lines
    assert lines[-1] == "admitted 1, rejected 14, unchanged 0"


def _one_line_error(result: object, fragment: str) -> None:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 2, output  # type: ignore[attr-defined]
    assert fragment in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1, output


def test_unreadable_bundles_are_one_line_errors(gensim_home: Path, tmp_path: Path) -> None:
    deep = tmp_path / "deep"
    deep.mkdir()
    (deep / "manifest.json").write_text('{"tasks": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _one_line_error(runner.invoke(app, ["tasks", "import", str(deep)]), "not valid JSON")
    linked = tmp_path / "linked"
    linked.mkdir()
    os.symlink("/proc/self/environ", linked / "manifest.json")
    _one_line_error(runner.invoke(app, ["tasks", "import", str(linked)]), "symbolic link")
    huge = tmp_path / "huge"
    huge.mkdir()
    with open(huge / "manifest.json", "wb") as f:
        f.truncate(50 * 1024 * 1024)
    _one_line_error(runner.invoke(app, ["tasks", "import", str(huge)]), "larger than")
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line_error(runner.invoke(app, ["tasks", "import", str(empty)]), "no task files")
    _one_line_error(runner.invoke(app, ["tasks", "import", str(tmp_path / "nowhere")]), "no such file or folder")
    not_list = tmp_path / "not-list"
    not_list.mkdir()
    (not_list / "manifest.json").write_text('{"tasks": {"a": 1}}')
    _one_line_error(runner.invoke(app, ["tasks", "import", str(not_list)]), "no list of 'tasks'")


def test_name_rules() -> None:
    from gensim.tasks.names import fold, is_slug, look_alike, name_problem

    builtins = ["block-insertion", "build-car", "towers-of-hanoi"]
    assert is_slug("stack-blocks-2") and not is_slug("Stack") and not is_slug("a" * 101)
    assert fold("Bl0ck_Insertion") == fold("block-insertion") == fold("blосk-insertion")
    assert look_alike("ｂｕｉｌｄ－ｃａｒ", builtins) == "build-car"
    assert look_alike("build-car-wheels", builtins) is None
    assert look_alike("build-cart", builtins) is None
    assert name_problem("stack-blocks", builtins) is None
    assert name_problem("build-car-generated", builtins) is None


def test_rename_builtins_stores_the_suffixed_name(gensim_home: Path, tmp_path: Path) -> None:
    from gensim.db import repository as repo

    bundle, _ = _prepare("builtin_names", tmp_path)
    result = runner.invoke(app, ["tasks", "import", str(bundle), "--seeds", "2", "--rename-builtins", "--json"])
    doc = json.loads(result.stdout)
    first = doc["entries"][0]
    assert (first["name"], first["outcome"], first["stored_as"]) == ("block-insertion", "admitted",
                                                                     "block-insertion-imported")
    outcomes = {e["name"]: e["outcome"] for e in doc["entries"][1:]}
    assert outcomes["build-car"] == "unchanged"  # the same file: already admitted above
    assert outcomes["Block-Insertion"] == outcomes["block_insertion"] == "rejected"  # not task ids
    assert result.exit_code == 1
    assert [v.version for v in repo.list_versions("block-insertion")] == [1]
    assert repo.get_task("block-insertion-imported").origin == "imported"


def test_an_exported_builtin_comes_back_unchanged(gensim_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "shared"
    result = runner.invoke(app, ["tasks", "export", str(out), "--names", "block-insertion,build-car"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["tasks", "import", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unchanged"] == ["block-insertion", "build-car"]
