"""Whether a task version that is code (generated, imported, an older built-in) works with an
arm: checked once per version and robot, before demonstrations are made with that robot.

The gate admits a generated task after a check with the floating end effector only
(`gensim.generation.validate`): checking every candidate with the arm too would cost 3-10x
its check (BENCHMARKS.md, the arm section) for tasks that mostly never get arm demos. But an
arm reaches less of the workspace and moves differently, so a task the floating tool does may
fail with it. `make_demos(..., robot="panda")` of such a version therefore first calls
`require_robot_check`: the stored verdict of a check with that robot (a `ValidationResult` of
stage `robot-<robot>`, made by this gensim version), else a new check (the same gate,
`gensim.checking.gate.check_code` with `robot=`, record and replay sandboxed) whose verdict is
stored then. A failed verdict stops the run before anything is written, in one line
(`RobotCheckFailed`: the stage, the expert's success over the seeds). A check that reached no
verdict (its sandbox timed out, died or errored) stops the run the same way but is not stored,
so the next run checks again.

Built-in tasks run from the package are not checked here: `bench/bench_arm.py` measures them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gensim.data.catalog import PinnedTask
from gensim.errors import GensimError

ROBOT_CHECK_TIMEOUT_S = 900.0  # s, wall clock of each sandboxed job of an arm check: the arm
# takes 3-10x the floating tool's time per episode (the gate's own jobs get 240 s)


class RobotCheckFailed(GensimError):
    """The task version fails its check with the robot (or the check reached no verdict)."""


def robot_stage(robot: str) -> str:
    """The `ValidationResult.stage` of a check with `robot`."""
    return f"robot-{robot}"


@dataclass(frozen=True)
class RobotCheck:
    """A check of one task version with one robot: `passed`, a one-line `summary`, and
    whether it was read from the task DB (`stored`, no check ran) or just made."""

    robot: str
    passed: bool
    summary: str
    stored: bool


def _summary(passed: bool, stage: str, successes: int, seeds: int, errors: list[str]) -> str:
    share = f"the expert succeeded on {successes} of {seeds} seeds"
    if passed:
        return share
    reason = errors[0] if errors else f"failed at {stage}"
    return f"{reason.splitlines()[0][:300]} ({share}, stage {stage})"


def _stored(pinned: PinnedTask, robot: str, url: str | None) -> RobotCheck | None:
    from gensim import __version__
    from gensim.db import provenance as prov

    for row in reversed(prov.validation_results(pinned.version_id, url=url)):
        details = row.details if isinstance(row.details, dict) else {}
        if (row.stage == robot_stage(robot) and details.get("code_hash") == pinned.code_hash
                and details.get("gensim") == __version__):
            return RobotCheck(robot, bool(row.passed), str(details.get("summary") or row.error or ""), True)
    return None


def robot_check(pinned: PinnedTask, robot: str, *, url: str | None = None,
                notice: Callable[[str], None] | None = None, check: Callable[..., Any] | None = None) -> RobotCheck:
    """The verdict of `pinned` (a version with code) checked with `robot`: stored, or made and
    stored now (see the module docstring). `notice` hears one line before a check starts;
    `check` replaces the gate's `check_code` (same signature and verdict)."""
    from gensim import __version__
    from gensim.checking.conventions import CHECK_SEEDS, SUCCESS_RATE
    from gensim.checking.gate import check_code
    from gensim.checking.stages import SANDBOX_OUTCOMES
    from gensim.db import provenance as prov
    from gensim.sandbox.runner import Limits

    stored = _stored(pinned, robot, url)
    if stored is not None:
        return stored
    if pinned.code is None:
        raise ValueError("robot_check needs a task version with code (built-ins are measured by bench_arm)")
    if notice is not None:
        notice(f"checking {pinned.name} v{pinned.version} with the arm ({robot}) before its demos "
               "(once per version; it passed the gate with the floating end effector)")
    limits = Limits(wall_s=ROBOT_CHECK_TIMEOUT_S, cpu_s=int(ROBOT_CHECK_TIMEOUT_S) + 30)
    verdict = (check or check_code)(pinned.code, pinned.name, seeds=CHECK_SEEDS, threshold=SUCCESS_RATE,
                                    limits=limits, version=pinned.version, robot=robot)
    successes = sum(bool(ok) for ok in verdict.successes)
    summary = _summary(verdict.passed, str(verdict.stage), successes, len(verdict.seeds), list(verdict.errors))
    if verdict.outcome in SANDBOX_OUTCOMES:  # no verdict on the task: check again next time
        return RobotCheck(robot, False, f"the check reached no verdict: {summary}", False)
    prov.add_validation_result(
        pinned.version_id, robot_stage(robot), bool(verdict.passed), seconds=float(verdict.seconds),
        error=None if verdict.passed else summary,
        details={"robot": robot, "code_hash": pinned.code_hash, "gensim": __version__, "summary": summary,
                 "stage": str(verdict.stage), "seeds": list(verdict.seeds), "successes": successes,
                 "success_rate": float(verdict.success_rate)},
        url=url)
    return RobotCheck(robot, bool(verdict.passed), summary, False)


def require_robot_check(pinned: PinnedTask, robot: str, *, url: str | None = None,
                        notice: Callable[[str], None] | None = None,
                        check: Callable[..., Any] | None = None) -> RobotCheck | None:
    """`robot_check` for a version with code and an arm (None otherwise: nothing to check);
    `RobotCheckFailed` in one line when it fails."""
    if robot == "none" or pinned.code is None:
        return None
    result = robot_check(pinned, robot, url=url, notice=notice, check=check)
    if not result.passed:
        raise RobotCheckFailed(
            f"task {pinned.name} v{pinned.version} fails with the arm ({robot}): {result.summary}; "
            f"its demos work without --robot")
    return result
