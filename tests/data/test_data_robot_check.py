"""Demos with an arm of a task version that is code (generated, imported): it was admitted after a
check with the floating end effector only, so it is checked once with the arm first
(`gensim.data.robot_check`); a failure stops the run in one line before anything is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convention"
GOOD = FIXTURES / "place_red_block_in_green_bowl.py"
CORNER = FIXTURES / "place_corner_block_in_bowl.py"  # passes with the floating tool, not with the arm


def _add(name: str, fixture: Path) -> str:
    """Store `fixture` as an admitted generated task; the name it got (the naming rule may suffix it)."""
    from gensim.db import repository

    row = repository.add_task_version(name, fixture.read_text(), "fixture", status="admitted")
    return repository.task_names([row.task_id])[row.task_id]


def _store_verdict(name: str, passed: bool) -> None:
    """A verdict with the arm as `robot_check` stores it (what a past check left in the DB)."""
    from gensim import __version__
    from gensim.data.catalog import pin_task
    from gensim.data.robot_check import robot_stage
    from gensim.db import provenance

    pinned = pin_task(name, 1)
    summary = "the expert succeeded on 4 of 4 seeds" if passed else "success: below the threshold (0 of 4 seeds)"
    provenance.add_validation_result(
        pinned.version_id, robot_stage("panda"), passed, error=None if passed else summary,
        details={"robot": "panda", "code_hash": pinned.code_hash, "gensim": __version__, "summary": summary})


def test_a_stored_failure_with_the_arm_stops_arm_demos_before_anything_is_written(gensim_home: Path,
                                                                                  tmp_path: Path) -> None:
    from gensim.data.demos import make_demos
    from gensim.data.robot_check import RobotCheckFailed
    name = _add("armless-bowl-a", GOOD)
    _store_verdict(name, passed=False)
    out = tmp_path / "ds"
    with pytest.raises(RobotCheckFailed) as err:
        make_demos(name, 1, "train", out=out, track=False, robot="panda", version=1)
    message = str(err.value)
    assert "\n" not in message and "fails with the arm (panda)" in message and "0 of 4 seeds" in message
    assert not out.exists()


def test_a_stored_pass_is_reused_and_builtins_and_the_floating_tool_are_not_checked(gensim_home: Path) -> None:
    from gensim.data.catalog import pin_task
    from gensim.data.robot_check import require_robot_check
    name = _add("armless-bowl-b", GOOD)
    _store_verdict(name, passed=True)
    pinned = pin_task(name, 1)
    check = require_robot_check(pinned, "panda")
    assert check is not None and check.passed and check.stored and "4 of 4" in check.summary
    assert require_robot_check(pinned, "none") is None
    assert require_robot_check(pin_task("place-red-in-green"), "panda") is None  # built in: bench_arm measures it


def test_demos_cli_says_in_one_line_that_the_task_fails_with_the_arm(gensim_home: Path) -> None:
    name = _add("armless-bowl-c", GOOD)
    _store_verdict(name, passed=False)
    proc = subprocess.run([sys.executable, "-m", "gensim.cli.main", "demos", "make", name, "-n", "1",
                           "--robot", "panda", "--quiet"], capture_output=True, text=True, env=dict(os.environ),
                          timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "fails with the arm (panda)" in lines[0] and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_a_task_the_arm_cannot_do_is_checked_once_and_refused(gensim_home: Path, tmp_path: Path) -> None:
    """The real check (sandboxed record and replay with the arm) of a task whose block lies in a
    corner the Panda does not reach: refused, the verdict stored, and the next run reads it."""
    from gensim.data.catalog import pin_task
    from gensim.data.demos import make_demos
    from gensim.data.robot_check import RobotCheckFailed, robot_check, robot_stage
    from gensim.db import provenance

    name = _add("corner-block", CORNER)
    heard: list[str] = []
    with pytest.raises(RobotCheckFailed, match=r"fails with the arm \(panda\).*0 of 4 seeds"):
        make_demos(name, 1, "train", out=tmp_path / "ds", track=False, robot="panda", notice=heard.append,
                   version=1)
    assert len(heard) == 1 and f"checking {name} v1 with the arm (panda)" in heard[0]
    pinned = pin_task(name, 1)
    rows = [r for r in provenance.validation_results(pinned.version_id) if r.stage == robot_stage("panda")]
    assert len(rows) == 1 and not rows[0].passed and rows[0].details["successes"] == 0
    again = robot_check(pinned, "panda")
    assert again.stored and not again.passed
    assert not (tmp_path / "ds").exists()
