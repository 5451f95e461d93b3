"""`run_episode`: the one step loop, used by the checker, demonstrations and evaluation.

Call order of one episode:
1. `task.seed(seed)` (the task's Generator and the global `numpy.random` / `random`),
   `env.set_task(task)`;
2. inside `episode_context(env.client, warnings)`: `obs = env.reset()` (the environment calls
   `task.reset(env)` and lets the scene settle), `info = env.info`;
3. `agent = policy or task.oracle(env)`; then up to `max_steps` times (read after the reset,
   as the reference's loop reads it):
   `action = agent.act(obs, info)` (None ends the episode: the agent gives up),
   `obs, reward, done, info = env.step(action)`; stop when `done`;
4. collect the total reward, success (total > `SUCCESS_REWARD`), object poses and warnings.
`record(obs, action, reward, info)` is called with the observation and info an action was
chosen from, the action and the reward that followed; one last call carries the final
observation with `action=None` and reward 0 (the layout of the convention's demonstrations).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from gensim.checking.conventions import SUCCESS_REWARD
from gensim.sandbox import phases
from gensim.tasks import context
from gensim.tasks.goals import Pose


class Agent(Protocol):
    """Anything with `act(obs, info)` returning `{'pose0': pose, 'pose1': pose}` or None."""

    def act(self, obs: Any, info: Any) -> dict[str, Any] | None: ...


Recorder = Callable[[Any, dict[str, Any] | None, float, Any], None]


class EpisodeError(Exception):
    """A failure of task or agent code during an episode; `phase` says where."""

    def __init__(self, phase: str, step: int, error: BaseException) -> None:
        super().__init__(f"{phase} (step {step}): {type(error).__name__}: {error}")
        self.phase = phase  # "reset" | "act" | "step"
        self.step = step
        self.error = error


@dataclass
class EpisodeResult:
    """What one episode did and how it ended."""

    seed: int
    total_reward: float
    success: bool
    steps: int  # actions executed
    max_steps: int  # the budget the loop ran with
    done: bool  # the task said it was done
    lang_goal: str  # the instruction at the start
    actions: list[dict[str, Pose]] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    reset_poses: dict[int, Pose] = field(default_factory=dict)  # every object after reset
    final_poses: dict[int, Pose] = field(default_factory=dict)  # every object at the end
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # s: reset, act, step, render
    frames: list[np.ndarray] = field(default_factory=list)  # top-down colour, when rendering
    gave_up: bool = False  # the agent returned no action


MAX_FRAMES = 240  # rendered frames per episode at most (a 30 s film at 8 frames per second)

def object_poses(env: Any) -> dict[int, Pose]:
    """Pose of every object the environment tracks (all categories), by id."""
    poses: dict[int, Pose] = {}
    for ids in env.obj_ids.values():
        for obj in ids:
            pos, quat = env.get_object_pose(obj)
            poses[int(obj)] = (tuple(float(v) for v in pos), tuple(float(v) for v in quat))  # type: ignore[assignment]
    return poses


def _plain_action(action: dict[str, Any]) -> dict[str, Pose]:
    out: dict[str, Pose] = {}
    for key, pose in action.items():
        try:
            out[key] = (tuple(float(v) for v in pose[0]), tuple(float(v) for v in pose[1]))  # type: ignore[assignment]
        except (TypeError, IndexError, ValueError):
            out[key] = pose
    return out


def run_episode(
    env: Any, task: Any, seed: int, *, policy: Agent | None = None,
    max_steps: int | Callable[[int], int] | None = None, render: bool = False, record: Recorder | None = None,
) -> EpisodeResult:
    """Run one episode of `task` in `env` with `seed` (see the module docstring for the order).

    `policy` defaults to the task's expert; `max_steps` to `task.max_steps` as it stands after
    the reset (tasks often size it to the scene they drew, e.g. one step per block plus one: read
    before the reset it would be the previous episode's), or a function of that value; `render` collects
    the top-down colour image after reset, during each step's motion (every
    `env.frame_every` physics steps, at most `MAX_FRAMES` in all) and after every step in
    `frames`. Exceptions of task
    or agent code are raised as `EpisodeError` (phase "reset", "act" or "step").
    """
    timings = {"reset": 0.0, "act": 0.0, "step": 0.0, "render": 0.0}
    warnings: list[str] = []
    task.seed(seed)
    env.set_task(task)
    with context.episode_context(getattr(env, "client", None), warnings):
        start = time.perf_counter()
        phases.enter("reset")  # in a sandbox: each reset, and each act below, has its own budget
        try:
            obs = env.reset()
            info = env.info
        except Exception as err:
            raise EpisodeError("reset", 0, err) from err
        timings["reset"] = time.perf_counter() - start
        if max_steps is None:
            budget = int(task.max_steps)
        elif callable(max_steps):
            budget = int(max_steps(int(task.max_steps)))
        else:
            budget = int(max_steps)
        result = EpisodeResult(
            seed=seed, total_reward=0.0, success=False, steps=0, max_steps=budget, done=False,
            lang_goal=str(task.get_lang_goal()), reset_poses=object_poses(env),
        )
        frames = result.frames
        if render:
            _grab(env, frames, timings)
        agent = policy if policy is not None else task.oracle(env)
        done = False
        while result.steps < budget and not done:
            start = time.perf_counter()
            phases.enter("act")
            try:
                action = agent.act(obs, info)
            except Exception as err:
                raise EpisodeError("act", result.steps, err) from err
            timings["act"] += time.perf_counter() - start
            if action is None:
                result.gave_up = True
                break
            start = time.perf_counter()
            if render and hasattr(env, "frame_hook"):  # film the motion, not only its end
                env.frame_hook = lambda: _grab(env, frames, timings) if len(frames) < MAX_FRAMES else None
            try:
                next_obs, reward, done, next_info = env.step(action)
            except Exception as err:
                raise EpisodeError("step", result.steps, err) from err
            finally:
                if render and hasattr(env, "frame_hook"):
                    env.frame_hook = None
            timings["step"] += time.perf_counter() - start
            if record is not None:
                record(obs, action, float(reward), info)
            obs, info = next_obs, next_info
            result.steps += 1
            result.actions.append(_plain_action(action))
            result.rewards.append(float(reward))
            if render:
                _grab(env, frames, timings)
        if record is not None:
            record(obs, None, 0.0, info)
        result.done = bool(done)
        result.total_reward = float(sum(result.rewards))
        result.success = result.total_reward > SUCCESS_REWARD
        result.final_poses = object_poses(env)
    for message in [*getattr(task, "warnings", []), *getattr(env, "warnings", []), *warnings]:
        if message not in result.warnings:
            result.warnings.append(message)
    result.timings = timings
    return result


def _grab(env: Any, frames: list[np.ndarray], timings: dict[str, float]) -> None:
    start = time.perf_counter()
    color = env.render_topdown()[0]
    frames.append(np.asarray(color))
    timings["render"] += time.perf_counter() - start


def warm_up(render_obs: bool = False) -> None:
    """Build, reset and close an empty scene once: the first environment of a process pays
    PyBullet's and the loaders' first-call costs (~0.15 s); then connect the next environment's
    client ahead (`connect_ahead`, ~40 ms). A warm sandbox's fork server calls this (as its job
    module's `sandbox_warm_up`) so that every forked job starts past them."""
    from gensim.sim.environment import Environment, connect_ahead
    from gensim.tasks.task import Task

    env = Environment(render_obs=render_obs)
    try:
        env.set_task(Task())
        env.reset()
    finally:
        env.close()
    connect_ahead()
