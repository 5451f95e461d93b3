"""The demo worker: play the expert on a chunk of seeds and return encoded episodes.

`run_job(job)` is the one function every executor runs (a process of the local pool, a Ray
task). A job is a plain dict (picklable and JSON-able):
`{"task", "entry_point", "code", "origin", "split", "seeds", "views", "robot", "meta", "sandbox"}`.
With `robot` other than "none" (an arm carries the tool) every episode also holds the robot's
control-rate stream (`gensim.data.control.ControlSampler`: 20 Hz joints, targets, tool pose,
suction, a small front image), recorded where the episode's observations are rendered (here,
or in the trusted replay).

Built-in tasks (`code` is None) run in the worker process itself. Tasks whose spec carries
`code` (generated or imported: untrusted) never run there: `play_sandboxed` starts a sandboxed
child (`gensim.sandbox.run_in_sandbox`, job `gensim.data.worker:sandbox_entry`; a warm sandbox
by default) with a wall-clock, CPU and memory limit, which plays the expert without rendering
and sends back, per seed, the episode's record (scene, goals and instructions at reset, actions,
the task's rewards: `gensim.checking.episodes`) and nothing else that is kept. `judged` then
has the records replayed (`judge_in_sandbox`, the replayer's own sandbox, gensim's code only):
the replay rebuilds each scene, RENDERS its own observations while it plays the recorded
actions, and an episode is kept only when its stock reward passes; the kept episode's bytes
(images, control stream, rewards, instructions) are the replay's, never the child's. Where the
task's own total differs, the outcome says so (`outcome["warnings"]`). `run_job` does both in
a row (a Ray task); the local executor of such tasks
(`gensim.data.executors.SandboxedExecutor`) calls the two stages itself, from threads of the
parent, so that one job's replay overlaps the next job's play.
Workers never write into the dataset: the parent checks each episode (success is read from
the recorded rewards) and writes it.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from gensim.data.format import Episode, encode

SANDBOX_JOB = "gensim.data.worker:sandbox_entry"
# Imported by the sandbox before the job runs (once per warm sandbox: `gensim.sandbox.child`).
SANDBOX_PRELOAD = ("gensim.sim.environment", "gensim.tasks.episode", "gensim.tasks.registry", "gensim.tasks.loader",
                   "gensim.checking.episodes", "gensim.checking.recorder", "gensim.tasks.oracle",
                   "gensim.sim.oracle_view", "gensim.tasks.habits")
SANDBOX_S_PER_SEED = 120.0  # wall-clock allowance per seed inside the sandbox (s)
CONTROL_MB = 32  # more file size allowed per episode with a control-rate stream (MiB)
SANDBOX_START_S = 60.0  # wall-clock allowance to start the child and load the task (s)

_envs: dict[tuple[bool, str], Any] = {}  # one simulator per worker process, view setting and robot


def sandbox_warm_up() -> None:
    """Called once by a warm sandbox of this job (`gensim.sandbox.forkserver`): an empty scene
    built and rendered, so that no job pays PyBullet's and the renderer's first-call costs."""
    from gensim.tasks.episode import warm_up

    warm_up(render_obs=True)


def _environment(views: bool, robot: str = "none") -> Any:
    env = _envs.get((views, robot))
    if env is None:
        from gensim.sim.environment import Environment

        env = _envs[(views, robot)] = Environment(render_views=views, robot=robot)
    return env


def _make_task(job: dict[str, Any]) -> Any:
    from gensim.tasks.registry import make_task
    from gensim.tasks.spec import TaskSpec

    spec = TaskSpec(name=job["task"], entry_point=job.get("entry_point") or "",
                    origin=job.get("origin", "builtin"), code=job.get("code"))
    task = make_task(spec)
    task.mode = job["split"]
    return task


def play(env: Any, task: Any, seed: int, views: bool = False) -> tuple[Any, Episode]:
    """Run the expert for `seed` and record the episode (observations, actions, rewards, goals)."""
    from gensim.tasks.episode import run_episode

    color: list[Any] = []
    height: list[Any] = []
    lang: list[str] = []
    view_frames: list[Any] = []
    pose0: list[list[float]] = []
    pose1: list[list[float]] = []
    rewards: list[float] = []

    def record(obs: Any, action: dict[str, Any] | None, reward: float, info: Any) -> None:
        color.append(obs["color"])
        height.append(obs["height"])
        lang.append(str((info or {}).get("lang_goal", "")))
        if views:
            view_frames.append(list(obs.get("views", [])))
        if action is not None:
            pose0.append([*map(float, action["pose0"][0]), *map(float, action["pose0"][1])])
            pose1.append([*map(float, action["pose1"][0]), *map(float, action["pose1"][1])])
            rewards.append(float(reward))

    start = time.perf_counter()
    sampler = None
    if env.robot != "none":
        from gensim.data.control import ControlSampler

        with ControlSampler(env) as sampler:
            result = run_episode(env, task, seed, record=record)
    else:
        result = run_episode(env, task, seed, record=record)
    timings = {k: round(v, 4) for k, v in result.timings.items()}
    timings["total"] = round(time.perf_counter() - start, 4)
    episode = Episode(color=color, height=height, pose0=pose0, pose1=pose1,  # type: ignore[arg-type]
                      reward=rewards, lang=lang, views=view_frames if views else None,  # type: ignore[arg-type]
                      control=sampler.members() if sampler is not None else None)
    # Timings stay out of the file (its bytes depend on the content only); the dataset's
    # manifest records them (`outcome["timings"]`).
    episode.meta = {"seed": seed, "steps": result.steps, "success": result.success,
                    "total_reward": round(result.total_reward, 6), "lang_goal": result.lang_goal,
                    "warnings": result.warnings[:20]}
    if sampler is not None:
        episode.meta["control"] = sampler.meta()
    result.timings = timings
    return result, episode


def run_seeds(job: dict[str, Any], env: Any = None) -> list[dict[str, Any]]:
    """Play every seed of `job` in this process (in `env`, default this process's simulator);
    one outcome dict per seed.

    An outcome: `seed`, `success`, `steps`, `total_reward`, `seconds`, `error` (str or None),
    `timings` (s: reset, act, step, render, total), `data` (the encoded episode as bytes, only
    for successes). Trusted (built-in) task code only: the sandbox runs `sandbox_entry`.
    """
    outcomes = []
    env = env if env is not None else _environment(bool(job.get("views")), str(job.get("robot") or "none"))
    task = _make_task(job)
    for seed in job["seeds"]:
        start = time.perf_counter()
        outcome: dict[str, Any] = {"seed": int(seed), "success": False, "steps": 0,
                                   "total_reward": 0.0, "error": None, "data": None}
        try:
            result, episode = play(env, task, int(seed), bool(job.get("views")))
            outcome.update(success=bool(result.success), steps=result.steps,
                           total_reward=float(result.total_reward), timings=dict(result.timings))
            if result.success:
                episode.meta.update(job.get("meta", {}))
                outcome["data"] = encode(episode)
        except Exception as err:  # noqa: BLE001 - a failing episode is a failed attempt
            outcome["error"] = f"{type(err).__name__}: {err}"[:500]
            outcome["traceback"] = traceback.format_exc()[-2000:]
        outcome["seconds"] = round(time.perf_counter() - start, 4)
        outcomes.append(outcome)
    return outcomes


class _NoAction:
    """An agent that gives up at once: the episode is its reset alone."""

    def act(self, obs: Any, info: Any) -> None:
        return None


def sandbox_entry(payload: dict[str, Any]) -> dict[str, Any]:
    """Inside the sandbox: play the expert on every seed in a recording environment that renders
    nothing, and return each episode's outcome with its record (no episode bytes: the kept
    demonstration is the trusted replay's, `judged`). With `reset_only` (policy rollouts,
    `gensim.training.rollout`) each seed is only reset: its record holds the scene, the goals,
    the instructions and the step budget, no action."""
    from gensim.checking.episodes import episode_record, recording
    from gensim.tasks.episode import run_episode

    policy = _NoAction() if payload.get("reset_only") else None

    outcomes = []
    with recording(render_obs=False, robot=str(payload.get("robot") or "none")) as env:
        task = _make_task(payload)
        for seed in payload["seeds"]:
            start = time.perf_counter()
            outcome: dict[str, Any] = {"seed": int(seed), "success": False, "steps": 0,
                                       "total_reward": 0.0, "error": None, "data": None}
            try:
                result = run_episode(env, task, int(seed), policy=policy)
                outcome.update(success=bool(result.success), steps=result.steps,
                               total_reward=float(result.total_reward),
                               timings={k: round(v, 4) for k, v in result.timings.items()},
                               record=episode_record(env, int(seed), result).to_json())
            except Exception as err:  # noqa: BLE001 - a failing episode is a failed attempt
                outcome["error"] = f"{type(err).__name__}: {err}"[:500]
            outcome["seconds"] = round(time.perf_counter() - start, 4)
            outcomes.append(outcome)
    return {"outcomes": outcomes}


def sandbox_limits(job: dict[str, Any]) -> Any:
    """The limits of a sandboxed job of `job`'s seeds (wall clock and CPU per seed, file size
    per episode)."""
    from gensim.sandbox import Limits

    seeds = len(job["seeds"])
    wall = SANDBOX_START_S + SANDBOX_S_PER_SEED * seeds
    per_episode_mb = (64 if job.get("views") else 4) + (CONTROL_MB if job.get("robot", "none") != "none" else 0)
    return Limits(wall_s=wall, cpu_s=int(wall), memory_mb=int(job.get("memory_mb", 4096)),
                  file_mb=16 + per_episode_mb * seeds)


def play_sandboxed(job: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """Play `job`'s seeds in a sandboxed child (warm by default): (its outcomes with their
    records and episode bytes, True), or (one failed outcome per seed, False) when the sandbox
    gave no result. The outcomes of True still need the replay's word (`judged`)."""
    from gensim.config import get_settings
    from gensim.sandbox import run_in_sandbox

    seeds = [int(s) for s in job["seeds"]]
    verdict = run_in_sandbox(SANDBOX_JOB, job, sandbox_limits(job), warm=get_settings().sandbox_warm)
    if not verdict.ok:
        error = f"sandbox: {verdict.error}"
        return [{"seed": s, "success": False, "steps": 0, "total_reward": 0.0, "error": error,
                 "data": None, "seconds": round(verdict.seconds / max(len(seeds), 1), 4)} for s in seeds], False
    outcomes = list(verdict.result["outcomes"])
    for outcome in outcomes:
        if isinstance(outcome, dict):
            outcome["data"] = None  # a kept episode's bytes are the replay's (`judged`)
    return outcomes, True


def prewarm(workers: int = 1) -> None:
    """Start the warm sandboxes `workers` parallel jobs of a task with code use (`workers` to
    play, `workers` to replay) unless they wait already; returns at once (no-op when warm
    sandboxes are off)."""
    from gensim.config import get_settings

    if not get_settings().sandbox_warm:
        return
    from gensim.checking.episodes import JUDGE_JOB, judge_limits
    from gensim.sandbox import Limits
    from gensim.sandbox.pool import prewarm as start

    start(SANDBOX_JOB, Limits(), count=workers)
    start(JUDGE_JOB, judge_limits(), count=workers)


def _run_sandboxed(job: dict[str, Any]) -> list[dict[str, Any]]:
    prewarm()  # the replayer's sandbox starts while the episodes play
    outcomes, played = play_sandboxed(job)
    return judged(outcomes, job) if played else outcomes


def judged(outcomes: list[dict[str, Any]], job: dict[str, Any]) -> list[dict[str, Any]]:
    """The child's outcomes of `job`'s seeds judged by the trusted replay of their records (see
    the module docstring); one outcome per seed, in order. A kept episode's bytes are the
    replay's own (its renders, the recorded actions, its rewards, the checked instructions)."""
    from gensim.checking.episodes import judge_in_sandbox

    seeds, robot = [int(s) for s in job["seeds"]], str(job.get("robot") or "none")
    by_seed = {int(o.get("seed", -1)): o for o in outcomes if isinstance(o, dict)}
    ordered = [by_seed.get(s) or {"seed": s, "success": False, "steps": 0, "total_reward": 0.0,
                                   "error": "the sandbox sent no outcome", "data": None, "seconds": 0.0}
               for s in seeds]
    demos = {"views": bool(job.get("views")), "meta": dict(job.get("meta") or {})}
    judgements = judge_in_sandbox([o.pop("record", None) for o in ordered], seeds, robot,
                                  limits=replay_limits(job), demos=demos)
    for outcome, judgement in zip(ordered, judgements, strict=True):
        outcome["task_success"], outcome["task_total_reward"] = bool(outcome.get("success")), judgement.task_total
        outcome["success"], outcome["total_reward"] = judgement.success, judgement.total_reward
        note = judgement.disagreement()
        outcome["warnings"] = [note] if note else []
        outcome["data"] = judgement.demo_bytes() if judgement.success else None
        if judgement.success and outcome["data"] is None:
            outcome["success"] = False
            outcome["error"] = "the replay sent no episode"
        elif judgement.error and not outcome.get("error"):
            outcome["error"] = f"replay: {judgement.error}"[:500]
    return ordered


def replay_limits(job: dict[str, Any]) -> Any:
    """The limits of the replay of `job`'s seeds (it renders and encodes their episodes)."""
    from dataclasses import replace

    from gensim.checking.episodes import JUDGE_S_PER_EPISODE, JUDGE_START_S, judge_limits

    wall = JUDGE_START_S + JUDGE_S_PER_EPISODE * len(job["seeds"])
    return replace(judge_limits(), wall_s=wall, cpu_s=int(wall), file_mb=sandbox_limits(job).file_mb)


def ready(views: bool, robot: str = "none") -> None:
    """Start-up work of a fresh worker before its first job: the simulator (kept for the jobs)
    and the task and episode modules."""
    import gensim.tasks.episode
    import gensim.tasks.registry  # noqa: F401

    _environment(views, robot)


def run_job(job: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a job: in this process for built-in tasks, in a sandboxed child for tasks with code."""
    if job.get("code") is not None:
        return _run_sandboxed(job)
    return run_seeds(job)
