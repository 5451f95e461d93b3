"""Rough edges of everyday use, through the console script: input checked before any progress
bar, help that says the real usage and defaults, no native banners, YAML errors with lines and
"did you mean", an unreadable task DB said aloud, and a search that says when nothing fits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gensim(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(GENSIM_HOME=str(home), PYTHONPATH=str(ROOT), COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "gensim.cli.main", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize(("args", "message"), [
    (("demos", "block-insertion", "-n", "-1"), "-n must be at least 1"),
    (("demos", "block-insertion", "--split", "nope"), "unknown split 'nope'"),
    (("demos", "no-such-task", "-n", "1"), "unknown task 'no-such-task'"),
    (("demos", "block-insertion", "--executor", "nope"), "unknown executor 'nope'"),
    (("generate", "--mode", "bottomup", "--trials", "0"), "--trials must be at least 1"),
])
def test_bad_input_fails_before_any_progress(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    proc = _gensim(tmp_path / "home", *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [f"error: {proc.stderr.split('error: ', 1)[1].strip()}"]
    assert message in proc.stderr and "episodes" not in proc.stderr and "candidates" not in proc.stderr


@pytest.mark.parametrize("command", ["train", "eval", "ui", "config", "generate"])
def test_help_says_the_real_usage_without_bool_placeholders(tmp_path: Path, command: str) -> None:
    proc = _gensim(tmp_path / "home", command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert f"Usage: gensim {command} [OPTIONS]" in proc.stdout
    assert "COMMAND [ARGS]" not in proc.stdout and "<bool>" not in proc.stdout


def test_demos_help_names_the_task_argument_and_train_help_shows_defaults(tmp_path: Path) -> None:
    assert "Usage: gensim demos [OPTIONS] NAME | COMMAND [ARGS]..." in _gensim(tmp_path, "demos", "--help").stdout
    assert "NAME" in _gensim(tmp_path, "demos", "make", "--help").stdout
    train = _gensim(tmp_path, "train", "--help").stdout
    for text in ("(default 10)", "(default 1000)", "(default 250)", "(default 5)", "(default auto)"):
        assert text in train, text


def test_demos_prints_no_pybullet_banner(tmp_path: Path) -> None:
    proc = _gensim(tmp_path / "home", "demos", "block-insertion", "-n", "1")
    assert proc.returncode == 0, proc.stderr
    assert "pybullet build time" not in proc.stderr and "pybullet build time" not in proc.stdout


def test_recipe_errors_name_the_line_and_the_closest_key(tmp_path: Path) -> None:
    typo = tmp_path / "typo.yaml"
    typo.write_text("tasks: [block-insertion]\ndemos: 2\nmax_step: 5\n")
    policy = tmp_path / "policy.yaml"
    policy.write_text("tasks: [block-insertion]\npolicy:\n  width: 8\n  languag: false\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("tasks: [block-insertion\nmax_steps: 5\n")
    for recipe, expected in (
        (typo, f"error: {typo}:3: unknown training setting 'max_step'; did you mean max_steps?"),
        (policy, f"error: {policy}:4: unknown policy setting 'languag'; did you mean language"),
        (broken, f"error: {broken}:2:10: not valid YAML"),
    ):
        proc = _gensim(tmp_path / "home", "train", "--config", str(recipe))
        assert proc.returncode == 2 and proc.stderr.startswith(expected), proc.stderr
        assert "Traceback" not in proc.stderr


def test_an_unreadable_task_db_is_said_not_dropped_silently(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "gensim.db").write_bytes(b"this is not a database")
    proc = _gensim(home, "tasks", "list")
    assert proc.returncode == 0, proc.stderr
    assert "block-insertion" in proc.stdout  # the built-ins still come
    assert "warning: generated and imported tasks left out: " in proc.stderr
    assert proc.stderr.count("warning:") == 1


def test_search_says_when_nothing_fits_well(tmp_path: Path) -> None:
    home = tmp_path / "home"
    weak = _gensim(home, "tasks", "search", "sort objects by color", "--k", "3")
    assert weak.returncode == 0, weak.stderr
    assert "nothing fits 'sort objects by color' well (best score 0." in weak.stderr
    strong = _gensim(home, "tasks", "search", "stack blocks", "--k", "3", "--json")
    doc = json.loads(strong.stdout)
    assert doc["fits_well"] is True and doc["results"][0]["fits_well"] is True
    assert "nothing fits" not in strong.stderr
