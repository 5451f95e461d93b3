"""`check_task`: the one public checker that decides whether a task works.

Stages, in order (the verdict's `stage` is the first that failed, or "done"):
1. load: the task code loads and the class instantiates;
2. reset: every seed's scene builds without an error (runtime);
3. determinism: the first seed run twice gives identical object poses after reset and
   identical expert actions and rewards;
4. success: the expert succeeds (total reward > 0.99) on at least `threshold` of the seeds;
5. bounds: every object is inside the workspace after reset and none fell off the table;
6. budget: every successful expert episode finished within the task's `max_steps`.
It runs in the current process; `python -m gensim.tasks.checker --file PATH` runs it on a task
file and prints the verdict as JSON (the CLI's `check --file` and the sandbox use a subprocess).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gensim.tasks.spec import TaskSpec

TRAIN_SEEDS = (0, 2, 4, 6)
STAGES = ("load", "reset", "determinism", "success", "bounds", "budget")
FELL_BELOW = -0.02  # m: an object whose centre is this far under the table top fell through
BOUNDS_MARGIN = 0.01  # m of tolerance around the workspace for object centres after reset
TABLE_MARGIN = 0.05  # m: a centre farther than this outside the workspace fell off the table
POSE_ATOL = 1e-6  # m / quaternion units: same-seed poses must agree this closely
JSON_KEYS = ("name", "version", "seeds", "successes", "success_rate", "passed", "stage",
             "warnings", "errors", "seconds")


@dataclass
class CheckVerdict:
    """The checker's answer. `to_json()` gives the CLI's JSON object (keys `JSON_KEYS`)."""

    name: str
    version: int
    seeds: list[int]
    successes: list[bool]  # per seed, in `seeds` order
    success_rate: float
    passed: bool
    stage: str  # the first stage that failed, or "done"
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # each names the task-code line that raised
    seconds: float = 0.0
    steps: list[int] = field(default_factory=list)  # expert actions per seed
    rewards: list[float] = field(default_factory=list)  # total reward per seed

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with exactly the keys of `JSON_KEYS`."""
        doc = asdict(self)
        return {key: doc[key] for key in JSON_KEYS}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> CheckVerdict:
        """The inverse of `to_json` (fields not in the JSON keep their defaults)."""
        return cls(**{key: doc[key] for key in JSON_KEYS})


TaskLike = Any  # a Task instance or class, a TaskSpec, a registered name or task code text


def _load(subject: TaskLike, name: str | None) -> tuple[Any, str, int]:
    from gensim.tasks import registry
    from gensim.tasks.loader import load_task_class
    from gensim.tasks.task import Task

    if isinstance(subject, Task):
        return subject, name or subject.name, 1
    if isinstance(subject, type) and issubclass(subject, Task):
        task = subject()
        return task, name or task.name, 1
    if isinstance(subject, TaskSpec):
        return registry.make_task(subject), subject.name, subject.version
    if isinstance(subject, str) and "\n" not in subject and not subject.lstrip().startswith(("import", "from")):
        spec = registry.get_spec(subject)
        return registry.make_task(spec), spec.name, spec.version
    filename = f"{name or 'task'}.py"
    task = load_task_class(str(subject), filename)()
    return task, name or task.name, 1


def _error_line(err: BaseException, filename: str | None, prefix: str) -> str:
    from gensim.tasks.loader import describe_error

    inner = getattr(err, "error", err)
    return f"{prefix}: {describe_error(inner, filename or '')}"


def _poses_equal(a: dict[int, Any], b: dict[int, Any]) -> bool:
    if a.keys() != b.keys():
        return False
    return all(
        np.allclose(a[k][0], b[k][0], atol=POSE_ATOL) and np.allclose(a[k][1], b[k][1], atol=POSE_ATOL)
        for k in a
    )


def _actions_equal(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for key in ("pose0", "pose1"):
            if not (np.allclose(x[key][0], y[key][0], atol=POSE_ATOL)
                    and np.allclose(x[key][1], y[key][1], atol=POSE_ATOL)):
                return False
    return True


def _out_of_bounds(poses: dict[int, Any], bounds: np.ndarray, margin: float = BOUNDS_MARGIN) -> list[int]:
    lo, hi = bounds[:2, 0] - margin, bounds[:2, 1] + margin
    return [k for k, (pos, _) in poses.items()
            if not (np.all(np.asarray(pos[:2]) >= lo) and np.all(np.asarray(pos[:2]) <= hi))]


def check_task(
    subject: TaskLike, *, seeds: Sequence[int] = TRAIN_SEEDS, threshold: float = 0.75,
    name: str | None = None, env_factory: Callable[[], Any] | None = None,
) -> CheckVerdict:
    """Check a task: a Task instance or class, a `TaskSpec`, a registered name, or task code.

    `seeds` are the episodes the expert plays (the convention's train seeds by default);
    `threshold` is the success rate needed; `env_factory` builds the environment (a headless
    `gensim.sim.Environment` without observation rendering by default).
    """
    start = time.perf_counter()
    seeds = [int(s) for s in seeds]
    verdict = CheckVerdict(name=name or "task", version=1, seeds=seeds, successes=[],
                           success_rate=0.0, passed=False, stage="load")
    filename = f"{name or 'task'}.py"

    def finish(stage: str) -> CheckVerdict:
        verdict.stage = stage
        verdict.passed = stage == "done"
        verdict.seconds = round(time.perf_counter() - start, 3)
        return verdict

    try:
        task, verdict.name, verdict.version = _load(subject, name)
    except Exception as err:  # noqa: BLE001 - every failure to load is the verdict
        from gensim.tasks.loader import TaskLoadError

        verdict.errors.append(f"load: {err}" if isinstance(err, TaskLoadError)
                              else _error_line(err, filename, "load"))
        return finish("load")
    filename = _task_filename(task, filename)
    env = env_factory() if env_factory is not None else _default_env()
    try:
        return _run_stages(task, env, seeds, threshold, verdict, filename, finish)
    finally:
        close = getattr(env, "close", None)
        if env_factory is None and callable(close):
            close()


def _task_filename(task: Any, default: str) -> str:
    import sys as _sys

    module = _sys.modules.get(type(task).__module__)
    return str(getattr(module, "__file__", None) or default)


def _default_env() -> Any:
    from gensim.sim.environment import Environment

    return Environment(render_obs=False)


def _run_stages(task: Any, env: Any, seeds: list[int], threshold: float, verdict: CheckVerdict,
                filename: str, finish: Callable[[str], CheckVerdict]) -> CheckVerdict:
    from gensim.tasks.episode import EpisodeError, run_episode

    budget = int(task.max_steps)
    cap = budget + max(3, budget // 2)  # room to tell "slow" (budget stage) from "fails"
    results = []
    for seed in seeds:
        try:
            result = run_episode(env, task, seed, max_steps=cap)
        except EpisodeError as err:
            prefix = f"{err.phase} (seed {seed}" + (f", step {err.step})" if err.phase != "reset" else ")")
            verdict.errors.append(_error_line(err, filename, prefix))
            if err.phase == "reset":
                return finish("reset")
            result = None
        results.append(result)
        for message in (result.warnings if result else []):
            if message not in verdict.warnings:
                verdict.warnings.append(message)
        verdict.successes.append(bool(result and result.success))
        verdict.steps.append(result.steps if result else 0)
        verdict.rewards.append(round(result.total_reward, 4) if result else 0.0)
    verdict.success_rate = round(sum(verdict.successes) / max(len(seeds), 1), 4)

    first = results[0]
    if first is not None:
        try:
            again = run_episode(env, task, seeds[0], max_steps=cap)
        except EpisodeError as err:
            verdict.errors.append(_error_line(err, filename, f"determinism (seed {seeds[0]})"))
            return finish("determinism")
        if not _poses_equal(first.reset_poses, again.reset_poses):
            verdict.errors.append(f"determinism: seed {seeds[0]} gave different object poses after reset")
            return finish("determinism")
        if not (_actions_equal(first.actions, again.actions)
                and np.allclose(first.rewards, again.rewards, atol=1e-6)):
            verdict.errors.append(f"determinism: seed {seeds[0]} gave different expert actions or rewards")
            return finish("determinism")

    if verdict.success_rate < threshold:
        verdict.errors.append(f"success: expert success rate {verdict.success_rate:.2f} "
                              f"is below the threshold {threshold:.2f}")
        return finish("success")

    bounds = np.asarray(task.bounds, dtype=float)
    for seed, result in zip(seeds, results, strict=True):
        if result is None:
            continue
        outside = _out_of_bounds(result.reset_poses, bounds)
        if outside:
            verdict.errors.append(f"bounds: seed {seed}: objects {outside} outside the workspace after reset")
            return finish("bounds")
        # The table is the workspace surface (the ground carries objects beyond it too).
        fell = sorted({*_out_of_bounds(result.final_poses, bounds, TABLE_MARGIN),
                       *(k for k, (pos, _) in result.final_poses.items() if pos[2] < FELL_BELOW)})
        if fell:
            verdict.errors.append(f"bounds: seed {seed}: objects {fell} fell off the table")
            return finish("bounds")

    slow = [s for s, r in zip(seeds, results, strict=True) if r is not None and r.success and r.steps > budget]
    if slow:
        verdict.errors.append(f"budget: the expert needed more than max_steps={budget} actions on seeds {slow}")
        return finish("budget")
    return finish("done")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m gensim.tasks.checker --file PATH [--seeds N] [--threshold T]`: JSON verdict."""
    parser = argparse.ArgumentParser(description="Check a task file; print the verdict as JSON.")
    parser.add_argument("--file", required=True, help="task file written in the convention")
    parser.add_argument("--seeds", type=int, default=len(TRAIN_SEEDS), help="number of train seeds")
    parser.add_argument("--threshold", type=float, default=0.75, help="success rate needed")
    args = parser.parse_args(argv)
    path = Path(args.file)
    seeds = [2 * i for i in range(args.seeds)]
    if not path.is_file():
        verdict = CheckVerdict(name=path.stem, version=1, seeds=seeds, successes=[], success_rate=0.0,
                               passed=False, stage="load", errors=[f"load: file not found: {path}"])
    else:
        verdict = _check_file(path, seeds, args.threshold)
    sys.stdout.write(json.dumps(verdict.to_json()) + "\n")
    return 0 if verdict.passed else 1


def _check_file(path: Path, seeds: list[int], threshold: float) -> CheckVerdict:
    from gensim.tasks.loader import TaskLoadError, load_task_file

    start = time.perf_counter()
    name = path.stem.replace("_", "-")
    try:
        cls = load_task_file(path)
    except TaskLoadError as err:
        return CheckVerdict(name=name, version=1, seeds=seeds, successes=[], success_rate=0.0,
                            passed=False, stage="load", errors=[f"load: {err}"],
                            seconds=round(time.perf_counter() - start, 3))
    return check_task(cls, seeds=seeds, threshold=threshold, name=name)


if __name__ == "__main__":
    sys.exit(main())
