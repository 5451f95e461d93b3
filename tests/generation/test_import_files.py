"""`gensim tasks import PATH...` as a user runs it on model-written files: verdicts, source, lineage, reruns."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gensim.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests" / "fixtures" / "import_files"
runner = CliRunner()


def _git_checkout(folder: Path) -> str:
    """Make `folder` a git checkout with one commit; its HEAD commit."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                              check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "tasks")
    return git("rev-parse", "HEAD")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to make a checkout")
def test_import_records_verdicts_source_and_reruns_store_nothing(gensim_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "generated_tasks"
    shutil.copytree(FILES, folder)
    commit = _git_checkout(folder)

    result = runner.invoke(app, ["tasks", "import", str(folder), "--seeds", "1", "--no-index", "--json"])
    assert result.exit_code == 1, result.output  # one file has no task class
    doc = json.loads(result.stdout)
    by_name = {e["name"]: e for e in doc["entries"]}
    assert sorted(by_name) == ["drop-blue-block-in-bowl", "no-task-here"]  # __init__.py is no task
    good, bad = by_name["drop-blue-block-in-bowl"], by_name["no-task-here"]
    assert (good["outcome"], good["status"], good["version"]) == ("admitted", "admitted", 1)
    assert any("ipdb" in w for w in good["warnings"])  # the debugging import was absorbed, with a warning
    assert (bad["outcome"], bad["stage"]) == ("rejected", "static") and "Task" in bad["reason"]

    # The stored versions say where they came from and keep the warning.
    shown = json.loads(runner.invoke(app, ["tasks", "show", "drop-blue-block-in-bowl", "--json"]).stdout)
    assert shown["origin"] == "imported" and shown["status"] == "admitted"
    assert shown["source"]["path"] == str(folder / "drop_blue_block_in_bowl.py")
    assert shown["source"]["commit"] == commit and len(shown["source"]["sha256"]) == 64
    assert any("ipdb" in w for w in shown["warnings"])
    rejected = json.loads(runner.invoke(app, ["tasks", "show", "no-task-here", "--json"]).stdout)
    assert rejected["status"] == "rejected" and rejected["rejection_stage"] == "static"

    # The same import again checks nothing, stores nothing and reports the stored verdicts.
    result = runner.invoke(app, ["tasks", "import", str(folder), "--seeds", "1", "--no-index"])
    assert result.exit_code == 1, result.output
    assert "unchanged 2 (1 admitted, 1 rejected before)" in result.output
    assert "rejected before" in result.output and "at static" in result.output
    versions = json.loads(runner.invoke(app, ["tasks", "show", "no-task-here", "--json"]).stdout)["versions"]
    assert [v["version"] for v in versions] == [1]

    # An edited file, given on its own, becomes the next version with the previous one as parent.
    edited = folder / "no_task_here.py"
    edited.write_text(edited.read_text() + "\n\ndef other(x):\n    return x\n")
    result = runner.invoke(app, ["tasks", "import", str(edited), "--no-index", "--json"])
    entry = json.loads(result.stdout)["entries"][0]
    assert (entry["outcome"], entry["version"]) == ("rejected", 2)
    shown = json.loads(runner.invoke(app, ["tasks", "show", "no-task-here", "--version", "2", "--json"]).stdout)
    assert [(p["task"], p["version"], p["relation"]) for p in shown["parents"]] == [("no-task-here", 1, "edit")]
    assert shown["source"]["commit"] == commit  # the checkout's HEAD (the edit is not committed)


def test_import_of_a_missing_path_is_one_line(gensim_home: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["tasks", "import", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "no such file or folder" in result.output
    assert "Traceback" not in result.output


def _default_signals() -> None:
    """SIGINT as at a terminal in the child (a background test run inherits it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_ctrl_c_keeps_every_finished_entry_and_a_rerun_goes_on(tmp_path: Path) -> None:
    """A real SIGINT to the process group after the first entry line: exit 130, one line saying
    what was kept, the entries printed are stored, the rerun reports them unchanged and checks
    only the others; no task gets a second version."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    good = (FILES / "drop_blue_block_in_bowl.py").read_text()
    for i in range(4):  # four distinct files (a comment apiece), each a few seconds of checking
        (folder / f"drop_block_{i}.py").write_text(good + f"\n# copy {i}\n")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(GENSIM_HOME=str(home), PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "gensim.cli.main", "tasks", "import", str(folder), "--seeds", "1", "--no-index"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_default_signals)
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the first entry, printed as soon as it was stored
    assert first.startswith("admitted"), first
    os.killpg(proc.pid, signal.SIGINT)
    rest, err = proc.communicate(timeout=120)
    printed = [line.split()[1] for line in (first + rest).splitlines() if line.startswith("admitted")]
    assert proc.returncode == 130 and "Traceback" not in err, err
    kept = re.search(r"interrupted: (\d) of 4 entries done and stored", err)
    assert kept is not None, err
    assert len(printed) <= int(kept.group(1)) < 4

    again = subprocess.run([*cmd[:-1], "--jobs", "2", "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    entries = {e["name"]: e for e in json.loads(again.stdout)["entries"]}
    unchanged = {n for n, e in entries.items() if e["outcome"] == "unchanged"}
    assert unchanged >= set(printed) and len(unchanged) == int(kept.group(1))
    assert all(e["status"] == "admitted" and e["version"] == 1 for e in entries.values())

    # Without --no-index the import left the search index up to date: the next search embeds
    # nothing, and a paraphrase finds the imported tasks.
    search = subprocess.run([sys.executable, "-c", INDEX_IS_FRESH], env=env, capture_output=True, text=True,
                            timeout=300)
    assert search.returncode == 0, search.stderr
    assert search.stdout.split() == ["fresh", "drop-block"], search.stdout


INDEX_IS_FRESH = """
from gensim.config import get_settings
from gensim.retrieval.adapters import library_docs, search_tasks
from gensim.retrieval.embedder import get_embedder
from gensim.retrieval.index import VectorIndex

index = VectorIndex.load(get_settings().index_dir)
print("stale" if index.is_stale(library_docs(), get_embedder().name) else "fresh")
print(search_tasks("drop a blue cube into a dish", 1)[0].doc.name.rsplit("-", 1)[0])
"""
