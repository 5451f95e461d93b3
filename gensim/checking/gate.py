"""The gate: one function decides whether task code works, for every caller.

`check_task(subject, seeds=..., threshold=...)` takes a registered name, a `TaskSpec`, task code
text or (in tests) a `Task` subclass and returns a `CheckVerdict`. `gensim tasks check NAME`,
`tasks check --file`, `tasks import`, generation and the built-in tests all come here, through
the same stages (`gensim.checking.stages`):
1. static: AST checks of the code (`gensim.checking.static`), here, nothing run;
2. load .. runtime: the task runs in a child that only RECORDS (`gensim.checking.record_job`,
   `gensim.checking.recorder`): the scene, the goals, the expert's actions;
3. the record comes back as JSON, decoded with limits (`RunRecord.from_json`); load and reset
   failures and sandbox refusals are judged here from it;
4. everything after runtime is the verdict of the trusted replayer (`gensim.checking.replay`),
   its own sandboxed process that never loads task code; the verdict crosses back as JSON and
   is decoded with `CheckVerdict.from_json`.
Both jobs run in warm sandboxes by default (`settings.sandbox_warm`, `gensim.sandbox.pool`): one
per job module, so the replayer's sandbox never holds task code; each job is a fresh child
forked there.
Code that is not built in always runs in the sandbox; built-in code (gensim's own) runs the same
two jobs in this process, which gives the same verdict on the same code, faster.
"""

from __future__ import annotations

import inspect
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gensim.checking.conventions import CHECK_SEEDS, SUCCESS_RATE
from gensim.checking.decode import DecodeError
from gensim.checking.record import MAX_MESSAGE, RunRecord
from gensim.checking.stages import Stage
from gensim.checking.verdict import CheckVerdict
from gensim.errors import UsageError

RECORD_JOB = "gensim.checking.record_job:record_job"
REPLAY_JOB = "gensim.checking.replay:replay_job"
CHECK_TIMEOUT_S = 240.0  # default wall clock of one sandboxed job (s)


def _limits(limits: Any) -> Any:
    from gensim.sandbox.runner import Limits

    return limits if limits is not None else Limits(wall_s=CHECK_TIMEOUT_S, cpu_s=int(CHECK_TIMEOUT_S) + 30)


def _warm() -> bool:
    from gensim.config import get_settings

    return bool(get_settings().sandbox_warm)


def _static(code: str, verdict: CheckVerdict) -> bool:
    from gensim.checking.static import check_code

    static = check_code(code)
    if not static.passed:
        verdict.fail(Stage.STATIC, *(f"static: {e}" for e in static.errors))
    return static.passed


# The phase a sandboxed job announced when it was stopped (`gensim.sandbox.phases`) -> stage.
STAGE_OF_PHASE = {"load": Stage.LOAD, "init": Stage.LOAD, "reset": Stage.RESET, "act": Stage.RUNTIME,
                  "replay": Stage.REPLAY}


def _sandbox_failure(res: Any, verdict: CheckVerdict, stage: Stage) -> CheckVerdict:
    detail = res.error or "the job returned nothing"
    outcome = "timeout" if res.timed_out else "died" if "died" in detail else "error"
    if outcome == "died" and res.stderr_tail.strip():
        detail += f" | stderr: {res.stderr_tail.strip().splitlines()[-1][:200]}"
    verdict.outcome = outcome
    stage = STAGE_OF_PHASE.get(str(getattr(res, "phase", None)), stage)
    return verdict.fail(stage, f"sandbox: {detail}"[:2000], *(f"sandbox: {v}" for v in res.violations[:20]))


def check_code(code: str, name: str, *, seeds: Sequence[int] = CHECK_SEEDS, threshold: float = SUCCESS_RATE,
               limits: Any = None, version: int = 1, robot: str = "none") -> CheckVerdict:
    """Check untrusted task code: static here, the record and the replay each in the sandbox.
    `robot`: the end effector of both (an arm is gensim's code: the task code never drives it,
    it only returns scene, goals and actions, which the replayer executes with the same arm)."""
    from gensim.sim.arm import check_robot

    check_robot(robot)
    start = time.perf_counter()
    verdict = _check_code(code, name, [int(s) for s in seeds], threshold, _limits(limits), version, robot)
    verdict.seconds = round(time.perf_counter() - start, 3)
    return verdict.finish()


def _check_code(code: str, name: str, seeds: list[int], threshold: float, limits: Any,
                version: int, robot: str = "none") -> CheckVerdict:
    from gensim.sandbox.runner import run_in_sandbox

    verdict = CheckVerdict(name=name, version=version, seeds=seeds, robot=robot)
    if not _static(code, verdict):
        return verdict
    warm = _warm()
    if warm:  # the replayer's sandbox starts while the recording runs
        from gensim.sandbox.pool import prewarm

        prewarm(REPLAY_JOB, limits)
    res = run_in_sandbox(RECORD_JOB, {"code": code, "name": name, "seeds": seeds, "robot": robot}, limits, warm=warm)
    verdict.violations, verdict.isolation = list(res.violations), dict(res.isolation)
    if not res.ok:
        return _sandbox_failure(res, verdict, Stage.RUNTIME if res.timed_out else Stage.LOAD)
    try:
        record = RunRecord.from_json(res.result)
    except DecodeError as err:
        return verdict.fail(Stage.RUNTIME, f"runtime: the child's record is malformed: {err}")
    if _early(record, verdict):
        return verdict
    payload = {"record": res.result, "name": name, "version": version, "seeds": seeds, "threshold": float(threshold),
               "robot": robot}
    replayed = run_in_sandbox(REPLAY_JOB, payload, limits, warm=warm)
    if not replayed.ok:
        return _sandbox_failure(replayed, verdict, Stage.REPLAY)
    try:
        judged = CheckVerdict.from_json(replayed.result)
    except DecodeError as err:
        return verdict.fail(Stage.REPLAY, f"replay: {err}")
    if judged.robot != robot:
        return verdict.fail(Stage.REPLAY, f"replay: replayed with robot {judged.robot!r}, {robot!r} was asked for")
    judged.violations, judged.isolation = verdict.violations, verdict.isolation
    from gensim.tasks.habits import stub_debug_imports

    judged.warnings = stub_debug_imports(code)[1] + judged.warnings
    return judged


def _early(record: RunRecord, verdict: CheckVerdict) -> bool:
    """Judge what needs no replay (load, reset, sandbox refusals); True when the verdict is final."""
    if record.load_error is not None:
        verdict.fail(Stage.LOAD, f"load: {record.load_error}"[:MAX_MESSAGE])
    failed_reset = next((e for e in record.episodes if e.error_stage == "reset"), None)
    if failed_reset is not None:
        verdict.fail(Stage.RESET, str(failed_reset.error)[:MAX_MESSAGE])
    if verdict.violations:
        verdict.fail(Stage.RUNTIME, *(f"sandbox: {v}" for v in verdict.violations[:20]))
    return bool(verdict.errors)


def check_trusted(make_task: Any, name: str, *, code: str | None, seeds: Sequence[int] = CHECK_SEEDS,
                  threshold: float = SUCCESS_RATE, version: int = 1, filename: str | None = None,
                  robot: str = "none") -> CheckVerdict:
    """Check gensim's own task code in this process: the same stages and jobs, no sandbox.
    `robot`: the end effector of both the recording and the replay (see `Environment`)."""
    from gensim.checking.recorder import record_run
    from gensim.checking.replay import judge

    start = time.perf_counter()
    seed_list = [int(s) for s in seeds]
    verdict = CheckVerdict(name=name, version=version, seeds=seed_list, robot=robot)
    if code is not None and not _static(code, verdict):
        verdict.seconds = round(time.perf_counter() - start, 3)
        return verdict.finish()
    record = record_run(make_task, name, seed_list, filename or f"{name}.py", robot=robot)
    # Through JSON, as from the sandbox: the replay sees exactly what a child would send.
    sent = json.loads(json.dumps(record.to_json()))
    judged = CheckVerdict.from_json(json.loads(json.dumps(
        judge(sent, name=name, version=version, seeds=seed_list, threshold=threshold, robot=robot).to_json())))
    judged.seconds = round(time.perf_counter() - start, 3)
    return judged


def check_file(path: Path, *, seeds: Sequence[int] = CHECK_SEEDS, threshold: float = SUCCESS_RATE,
               limits: Any = None, robot: str = "none") -> CheckVerdict:
    """Check a task file (untrusted: read here, checked in the sandbox); the name is its stem."""
    if not path.is_file():
        raise UsageError(f"task file not found: {path}")
    name = path.stem.replace("_", "-")
    try:
        code = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        verdict = CheckVerdict(name=name, version=1, seeds=[int(s) for s in seeds])
        return verdict.fail(Stage.STATIC, f"static: {path.name} is not UTF-8 text (byte {err.start})").finish()
    return check_code(code, name, seeds=seeds, threshold=threshold, limits=limits, robot=robot)


def _class_source(cls: type) -> tuple[str | None, str]:
    """The text of the file that defines `cls` (None if unknown) and that file's name."""
    module = sys.modules.get(cls.__module__)
    file = str(getattr(module, "__file__", None) or f"{cls.__name__}.py")
    if Path(file).is_file():
        return Path(file).read_text(encoding="utf-8"), file
    try:
        return inspect.getsource(module) if module is not None else None, file
    except (OSError, TypeError):
        return None, file


def check_task(subject: Any, *, seeds: Sequence[int] = CHECK_SEEDS, threshold: float = SUCCESS_RATE,
               name: str | None = None, limits: Any = None, robot: str = "none") -> CheckVerdict:
    """The one public checker: a registered name, a `TaskSpec`, task code text, or a `Task`
    class or instance. `robot`: "none" (floating end effector) or an arm (`gensim.sim.arm`),
    the end effector of both the recording and the replay (in the sandbox for untrusted code).

    Built-in tasks (and classes or instances handed in by trusted callers) are checked in this process; task
    code text and registered tasks that are not built in are checked in the sandbox.
    """
    from gensim.tasks import registry
    from gensim.tasks.spec import TaskSpec
    from gensim.tasks.task import Task

    if isinstance(subject, Task):  # an instance set up by the caller (e.g. mode="test")
        code, filename = _class_source(type(subject))
        return check_trusted(lambda: subject, name or subject.name, code=code, seeds=seeds, threshold=threshold,
                             filename=filename, robot=robot)
    if isinstance(subject, type) and issubclass(subject, Task):
        code, filename = _class_source(subject)
        task_name = name or subject().name
        return check_trusted(subject, task_name, code=code, seeds=seeds, threshold=threshold, filename=filename,
                             robot=robot)
    if isinstance(subject, str) and ("\n" in subject or subject.lstrip().startswith(("import", "from"))):
        return check_code(subject, name or "task", seeds=seeds, threshold=threshold, limits=limits, robot=robot)
    spec = subject if isinstance(subject, TaskSpec) else registry.get_spec(str(subject))
    if spec.code is not None:
        return check_code(spec.code, name or spec.name, seeds=seeds, threshold=threshold, limits=limits,
                          version=spec.version, robot=robot)
    cls = registry.entry_point_class(spec)
    code, filename = _class_source(cls)

    def make() -> Any:
        return registry.make_task(spec)

    return check_trusted(make, name or spec.name, code=code, seeds=seeds, threshold=threshold,
                         version=spec.version, filename=filename, robot=robot)
