"""The guards CI's stages run under: a time budget per make target (scripts/budget.sh), pytest's
exit 5 as a failure, and `--fail-on-skip` for stages that installed what their tests need."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = ["bash", str(ROOT / "scripts" / "budget.sh")]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # Plugins not auto-loaded: these pytest runs need none, and loading them all takes seconds.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_a_hung_command_stops_at_its_budget_with_one_line(tmp_path: Path) -> None:
    hung = _run([*BUDGET, "make demo", "1s", "sleep", "120"], tmp_path)
    assert hung.returncode == 124
    assert hung.stderr.strip().splitlines() == [
        "make demo: stopped after its time budget of 1s (hung? see CONTRIBUTING.md, Time budgets)"]


def test_exit_codes_pass_through_and_the_last_line_says_how_it_went(tmp_path: Path) -> None:
    ok = _run([*BUDGET, "make demo", "60s", "true"], tmp_path)
    assert ok.returncode == 0 and ok.stderr.startswith("make demo: passed in 0m0")
    failed = _run([*BUDGET, "make demo", "60s", "bash", "-c", "exit 3"], tmp_path)
    assert failed.returncode == 3 and "make demo: failed (exit 3)" in failed.stderr


def test_no_tests_collected_fails_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "test_empty.py").write_text("x = 1\n")
    run = _run([*BUDGET, "make demo", "60s", sys.executable, "-m", "pytest", "-q", "-p",
                "no:cacheprovider", "test_empty.py"], tmp_path)
    assert run.returncode == 5
    assert "make demo: no tests were collected (pytest exit 5), which counts as a failure" in run.stderr


def test_fail_on_skip_turns_a_skip_into_a_failure(tmp_path: Path) -> None:
    (tmp_path / "test_skips.py").write_text(
        "import pytest\n\ndef test_needs_an_extra():\n    pytest.importorskip('no_such_module_xyz')\n")
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
            "test_skips.py"]
    assert _run(base, tmp_path).returncode == 0
    strict = _run([*base, "--fail-on-skip"], tmp_path)
    assert strict.returncode == 1
    assert "skipped under --fail-on-skip: test_skips.py::test_needs_an_extra" in strict.stdout
