"""Policy rollouts in the simulator, for validation during training and for evaluation.

`rollouts(agent_or_checkpoint, task, seeds, ...)` plays one episode per seed with the policy
acting and returns one `Outcome` per seed. Built-in tasks run in this process (one simulator
per process, reused). Tasks with code (generated or imported: untrusted) never run here: the
whole rollout goes to a sandboxed child (`gensim.sandbox.run_in_sandbox`, job
`gensim.training.sandbox_job:play_job`, a warm sandbox by default: torch and the policy's
modules imported once per process and checkpoint) that loads a copy of the checkpoint and the task, and
sends back outcomes and frames as JSON, with each episode's record (scene, goals, the actions
played, the task's rewards: `gensim.checking.episodes`). Success and reward of such an episode
are the trusted replay's (`judge_in_sandbox`, the replayer's own sandbox, no task code), never
the task's; where the task's own total differs, `Outcome.warnings` says so.
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

SANDBOX_JOB = "gensim.training.sandbox_job:play_job"
SANDBOX_S_PER_EPISODE = 90.0  # wall-clock allowance per episode inside the sandbox (s)
SANDBOX_START_S = 120.0  # ... to start the child, import torch and load the policy (s)
SANDBOX_MEMORY_MB = 16384  # address space: torch, the sentence encoder and pybullet map a lot

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
    warnings: list[str] = field(default_factory=list)  # e.g. the task's rewards and the replay's differ
    record: dict[str, Any] | None = None  # in the sandbox: the episode's record (JSON) for the replay

    def to_json(self) -> dict[str, Any]:
        doc = {"seed": self.seed, "success": self.success, "reward": self.reward,
               "steps": self.steps, "seconds": self.seconds, "error": self.error,
               "instruction": self.instruction}
        return doc | ({"warnings": list(self.warnings)} if self.warnings else {})


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
    """Run the episodes in this process (only for trusted, built-in task code, or in the
    sandbox); `robot`: the embodiment that executes the policy's pick/place actions (see
    `Environment`). In a `RecordingEnvironment` `env` each outcome carries its record."""
    from gensim.sim.arm import check_robot
    from gensim.tasks.episode import run_episode

    recorded = env is not None and hasattr(env, "log")
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
            if recorded:
                from gensim.checking.episodes import episode_record

                outcome.record = episode_record(env, int(seed), result).to_json()
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
    """Run the episodes in a sandboxed child process (for task code that is not built in)."""
    import torch

    from gensim.config import get_settings
    from gensim.sandbox import Limits, run_in_sandbox

    wall = SANDBOX_START_S + SANDBOX_S_PER_EPISODE * len(seeds)
    limits = Limits(wall_s=wall, cpu_s=int(wall), memory_mb=SANDBOX_MEMORY_MB, file_mb=64,
                    output_kb=64)
    # The child may read only trusted roots and a copy of the checkpoint, in a folder of its own
    # (bound read-only; one per checkpoint and process, so a warm sandbox serves every task).
    copy = _checkpoint_copy(Path(checkpoint))
    payload = {"checkpoint": str(copy), "task": fields, "seeds": [int(s) for s in seeds], "split": split,
               "render": [int(s) for s in render], "threads": torch.get_num_threads(), "robot": robot}
    verdict = run_in_sandbox(SANDBOX_JOB, payload, limits, readable=[str(copy.parent)],
                             warm=get_settings().sandbox_warm)
    if not verdict.ok:
        return [Outcome(seed=int(s), success=False, reward=0.0, steps=0,
                        seconds=round(verdict.seconds / max(len(seeds), 1), 3),
                        error=f"sandbox: {verdict.error}"[:500]) for s in seeds]
    outcomes = []
    for item in verdict.result["outcomes"]:
        frames = unpack_frames(item["frames"]) if item.get("frames") else []
        outcomes.append(Outcome(seed=int(item["seed"]), success=bool(item["success"]),
                                reward=float(item["reward"]), steps=int(item["steps"]),
                                seconds=float(item["seconds"]), error=item.get("error"),
                                frames=frames, instruction=str(item.get("instruction") or "")[:500],
                                record=item.get("record")))
    # One outcome per requested seed, in order: a child cannot add, repeat or drop episodes.
    by_seed: dict[int, Outcome] = {}
    for outcome in outcomes:
        by_seed.setdefault(outcome.seed, outcome)
    return replayed([by_seed.get(int(s)) or Outcome(seed=int(s), success=False, reward=0.0, steps=0, seconds=0.0,
                                                    error="the sandbox sent no outcome of this seed")
                     for s in seeds], robot)


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


def replayed(outcomes: list[Outcome], robot: str = "none") -> list[Outcome]:
    """`outcomes` with success and reward decided by the trusted replay of their records (see
    the module docstring); an outcome without a usable record is not a success."""
    from gensim.checking.episodes import judge_in_sandbox

    judgements = judge_in_sandbox([o.record for o in outcomes], [o.seed for o in outcomes], robot)
    for outcome, judgement in zip(outcomes, judgements, strict=True):
        outcome.record = None
        outcome.success, outcome.reward = judgement.success, judgement.total_reward
        note = judgement.disagreement()
        outcome.warnings = [note] if note else []
        if judgement.error and outcome.error is None:
            outcome.error = f"replay: {judgement.error}"[:500]
    return outcomes


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
    """Success rate, mean reward and episode count of a list of outcomes (and how many the
    replay judged otherwise than the task's own rewards, when any did)."""
    n = len(outcomes)
    stats: dict[str, float] = {
        "success_rate": round(sum(o.success for o in outcomes) / n, 4) if n else 0.0,
        "mean_reward": round(float(np.mean([o.reward for o in outcomes])), 4) if n else 0.0,
        "episodes": n}
    disagreements = sum(bool(o.warnings) for o in outcomes)
    return stats | ({"replay_disagreements": disagreements} if disagreements else {})
