"""Policy rollouts in the simulator, for validation during training and for evaluation.

`rollouts(agent_or_checkpoint, task, seeds, ...)` plays one episode per seed with the policy
acting and returns one `Outcome` per seed. Built-in tasks run in this process (one simulator
per process, reused). Tasks with code (generated or imported: untrusted) never run here, and
the policy never runs next to them (`play_sandboxed`, a trusted rollout):
1. the task's sandboxed child (the demo worker's job, `reset_only`, a warm sandbox) only
   resets each seed and returns its record: the scene's simulator calls, the goals, the
   language goals and the step budget (`gensim.checking.episodes`);
2. the trusted rollout (`gensim.training.sandbox_job:rollout_job`: gensim's code only, its own
   sandbox, warm by default: torch and the policy's modules imported once per process and
   checkpoint, whose copy's folder is bound read-only) rebuilds each scene, renders its own
   observations, runs the policy on them, executes its actions with gensim's primitive and
   judges them with the stock reward.
Success, the actions and the observations of such a rollout never pass through task code.
"""

from __future__ import annotations

import base64
import io
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SANDBOX_JOB = "gensim.training.sandbox_job:rollout_job"
SANDBOX_S_PER_EPISODE = 90.0  # wall-clock allowance per episode inside the trusted rollout (s)
SANDBOX_START_S = 120.0  # ... to start its sandbox, import torch and load the policy (s)
SANDBOX_MEMORY_MB = 16384  # address space: torch, the sentence encoder and pybullet map a lot
RESET_S_PER_SEED = 60.0  # wall-clock allowance per seed for the task's child, which only resets (s)

_envs: dict[str, Any] = {}  # this process's simulator per robot, made on first use


@dataclass
class Outcome:
    """One policy episode."""

    seed: int
    success: bool
    reward: float
    steps: int
    seconds: float
    error: str | None = None
    frames: list[np.ndarray] = field(default_factory=list)  # top-down colour, when rendered
    instruction: str = ""  # the episode's language goal at its start

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "success": self.success, "reward": self.reward,
                "steps": self.steps, "seconds": self.seconds, "error": self.error,
                "instruction": self.instruction}


def _environment(robot: str = "none") -> Any:
    if robot not in _envs:
        from gensim.sim.environment import Environment

        _envs[robot] = Environment(robot=robot)
    return _envs[robot]


def _task(fields: dict[str, Any], split: str) -> Any:
    from gensim.tasks.registry import make_task
    from gensim.tasks.spec import TaskSpec

    spec = TaskSpec(name=fields["task"], entry_point=fields.get("entry_point") or "",
                    origin=fields.get("origin", "builtin"), code=fields.get("code"))
    task = make_task(spec)
    task.mode = split
    return task


def play(agent: Any, fields: dict[str, Any], seeds: Sequence[int], split: str = "test",
         render: Sequence[int] = (), robot: str = "none", env: Any = None) -> list[Outcome]:
    """Run the episodes in this process (only for trusted, built-in task code); `robot`: the
    embodiment that executes the policy's pick/place actions (see `Environment`)."""
    from gensim.sim.arm import check_robot
    from gensim.tasks.episode import run_episode

    env = env if env is not None else _environment(check_robot(robot))
    task = _task(fields, split)
    outcomes = []
    for seed in seeds:
        start = time.perf_counter()
        outcome = Outcome(seed=int(seed), success=False, reward=0.0, steps=0, seconds=0.0)
        try:
            result = run_episode(env, task, int(seed), policy=agent, render=seed in render)
            outcome.success, outcome.reward = bool(result.success), float(result.total_reward)
            outcome.steps, outcome.frames = result.steps, list(result.frames)
            outcome.instruction = str(result.lang_goal)
        except Exception as err:  # noqa: BLE001 - a crashing episode is a failed episode
            outcome.error = f"{type(err).__name__}: {err}"[:500]
        outcome.seconds = round(time.perf_counter() - start, 3)
        outcomes.append(outcome)
    return outcomes


def pack_frames(frames: list[np.ndarray]) -> str:
    """Frames as base64 text of a compressed npz (what crosses the sandbox's JSON verdict)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, frames=np.stack(frames) if frames else np.zeros((0, 1, 1, 3)))
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def unpack_frames(text: str) -> list[np.ndarray]:
    """The inverse of `pack_frames`."""
    with np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False) as data:
        return list(data["frames"])


def play_sandboxed(checkpoint: str | Path, fields: dict[str, Any], seeds: Sequence[int],
                   split: str = "test", render: Sequence[int] = (), robot: str = "none") -> list[Outcome]:
    """A trusted rollout of a task with code (see the module docstring): one outcome per seed,
    in order; a seed whose reset failed, or whose record is missing or malformed, is a failed
    episode."""
    seeds = [int(s) for s in seeds]
    records, why = reset_sandboxed(fields, seeds, split, robot)
    sent = [r for r in records if not isinstance(r, str)]
    played: dict[int, Outcome] = {}
    if sent:
        played, problem = _rollout_sandboxed(checkpoint, sent, render, robot)
        why = why or problem
    outcomes = []
    for seed, record in zip(seeds, records, strict=True):
        if isinstance(record, str):
            outcomes.append(Outcome(seed=seed, success=False, reward=0.0, steps=0, seconds=0.0,
                                    error=record[:500]))
        else:
            outcomes.append(played.get(seed) or Outcome(seed=seed, success=False, reward=0.0, steps=0, seconds=0.0,
                                                        error=(why or "the trusted rollout sent no outcome")[:500]))
    return outcomes


def reset_sandboxed(fields: dict[str, Any], seeds: list[int], split: str,
                    robot: str) -> tuple[list[Any], str | None]:
    """Each seed's record of the task's reset alone, made in its sandboxed child (the demo
    worker's warm sandbox): an `EpisodeRecord`, or why there is none; and the sandbox's error."""
    from gensim.checking.episodes import decode_record, safe_text
    from gensim.config import get_settings
    from gensim.data import worker
    from gensim.sandbox import Limits, run_in_sandbox

    job = {"task": fields["task"], "entry_point": fields.get("entry_point") or "",
           "origin": fields.get("origin", "generated"), "code": fields.get("code"), "split": split,
           "seeds": seeds, "robot": robot, "reset_only": True}
    wall = worker.SANDBOX_START_S + RESET_S_PER_SEED * len(seeds)
    res = run_in_sandbox(worker.SANDBOX_JOB, job, Limits(wall_s=wall, cpu_s=int(wall)),
                         warm=bool(get_settings().sandbox_warm))
    if not res.ok:
        return [f"sandbox: {res.error}" for _ in seeds], f"sandbox: {res.error}"
    items = res.result.get("outcomes") if isinstance(res.result, dict) else None
    by_seed = {o.get("seed"): o for o in (items if isinstance(items, list) else []) if isinstance(o, dict)}
    records: list[Any] = []
    for seed in seeds:
        outcome = by_seed.get(seed) or {}
        if outcome.get("error"):
            records.append(f"reset: {safe_text(str(outcome['error']), 400)}")
        else:
            records.append(decode_record(outcome.get("record"), seed))
    return records, None


def _rollout_sandboxed(checkpoint: str | Path, records: list[Any], render: Sequence[int],
                       robot: str) -> tuple[dict[int, Outcome], str | None]:
    """The trusted rollout job on `records` (the checkpoint's copy bound read-only): outcomes by
    seed, and why there are none."""
    import torch

    from gensim.checking import decode as d
    from gensim.checking.episodes import safe_text
    from gensim.config import get_settings
    from gensim.sandbox import Limits, run_in_sandbox

    wall = SANDBOX_START_S + SANDBOX_S_PER_EPISODE * len(records)
    limits = Limits(wall_s=wall, cpu_s=int(wall), memory_mb=SANDBOX_MEMORY_MB, file_mb=64, output_kb=64)
    # The job may read only trusted roots and a copy of the checkpoint, in a folder of its own
    # (bound read-only; one per checkpoint and process, so a warm sandbox serves every task).
    copy = _checkpoint_copy(Path(checkpoint))
    payload = {"checkpoint": str(copy), "episodes": [r.to_json() for r in records],
               "render": [int(s) for s in render], "threads": torch.get_num_threads(), "robot": robot}
    verdict = run_in_sandbox(SANDBOX_JOB, payload, limits, readable=[str(copy.parent)],
                             warm=bool(get_settings().sandbox_warm))
    if not verdict.ok:
        return {}, f"sandbox: {verdict.error}"
    outcomes: dict[int, Outcome] = {}
    what = "the trusted rollout's answer"
    try:
        items = d.field(d.obj(verdict.result, what), "outcomes", d.list_of(d.obj, len(records)), what)
        for item in items:
            seed = d.field(item, "seed", d.as_int, what)
            frames = item.get("frames")
            outcomes.setdefault(seed, Outcome(
                seed=seed, success=d.field(item, "success", d.as_bool, what),
                reward=d.field(item, "reward", d.as_float, what), steps=d.field(item, "steps", d.as_int, what),
                seconds=d.field(item, "seconds", d.as_float, what),
                error=None if item.get("error") is None else safe_text(str(item["error"]), 500),
                frames=unpack_frames(frames) if isinstance(frames, str) else [],
                instruction=str(item.get("instruction") or "")[:500]))
    except d.DecodeError as err:
        return {}, f"{what} is malformed: {err}"
    return outcomes, None


_copies: dict[tuple[str, int, int], Path] = {}  # (checkpoint, size, mtime) -> its copy in this process


def _checkpoint_copy(checkpoint: Path) -> Path:
    """A copy of `checkpoint` in a temporary folder of its own, made once per process while the
    file is unchanged (removed at exit)."""
    stat = checkpoint.stat()
    key = (str(checkpoint.resolve()), stat.st_size, stat.st_mtime_ns)
    copy = _copies.get(key)
    if copy is None or not copy.is_file():
        import atexit

        folder = Path(tempfile.mkdtemp(prefix="gensim-policy-"))
        atexit.register(shutil.rmtree, folder, True)
        copy = _copies[key] = folder / "policy.ckpt"
        shutil.copyfile(checkpoint, copy)
    return copy


def rollouts(agent: Any, checkpoint: str | Path | None, fields: dict[str, Any],
             seeds: Sequence[int], split: str = "test", render: Sequence[int] = (),
             robot: str = "none") -> list[Outcome]:
    """Episodes of the task in `fields` (`task`, `entry_point`, `origin`, `code`) with the policy.

    Built-in tasks play with `agent` here; tasks with code play in the sandbox from `checkpoint`.
    """
    if fields.get("code") is not None:
        if checkpoint is None:
            raise ValueError("a task with code is played in the sandbox, which needs a checkpoint")
        return play_sandboxed(checkpoint, fields, seeds, split, render, robot)
    return play(agent, fields, seeds, split, render, robot)


def summary(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """Success rate, mean reward and episode count of a list of outcomes."""
    n = len(outcomes)
    return {
        "success_rate": round(sum(o.success for o in outcomes) / n, 4) if n else 0.0,
        "mean_reward": round(float(np.mean([o.reward for o in outcomes])), 4) if n else 0.0,
        "episodes": n}
