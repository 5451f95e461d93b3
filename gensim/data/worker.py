"""The demo worker: play the expert on a chunk of seeds and return encoded episodes.

`run_job(job)` is the one function every executor runs (a process of the local pool, a Ray
task). A job is a plain dict (picklable and JSON-able):
`{"task", "entry_point", "code", "origin", "split", "seeds", "views", "robot", "meta", "sandbox"}`.
With `robot` other than "none" (an arm carries the tool) every episode also holds the robot's
control-rate stream (`gensim.data.control.ControlSampler`: 20 Hz joints, targets, tool pose,
suction, a small front image), recorded where the expert runs (here, or in the sandbox).

Built-in tasks (`code` is None) run in the worker process itself. Tasks whose spec carries
`code` (generated or imported: untrusted) never run there: `play_sandboxed` starts a sandboxed
child (`gensim.sandbox.run_in_sandbox`, job `gensim.data.worker:sandbox_entry`; a warm sandbox
by default) with a wall-clock, CPU and memory limit, and the encoded episodes come back base64
in its JSON verdict, each with its record (scene, goals, actions, the task's rewards:
`gensim.checking.episodes`). Whether such an episode is a success is then the trusted replay's
word, never the task's: `judged` has the records replayed (`judge_in_sandbox`, the replayer's
own sandbox), drops every episode the replay does not pass or whose stored actions are not the
replayed ones, stores the replay's rewards where the task's differ, and notes the disagreement
(`outcome["warnings"]`). `run_job` does both in a row (a Ray task); the local executor of such
tasks (`gensim.data.executors.SandboxedExecutor`) calls the two stages itself, from threads of
the parent, so that one job's replay overlaps the next job's play.
Workers never write into the dataset: the parent checks each episode (success is read from
the recorded rewards) and writes it.
"""

from __future__ import annotations

import base64
import time
import traceback
from typing import Any

from gensim.data.format import Episode, encode

SANDBOX_JOB = "gensim.data.worker:sandbox_entry"
# Imported by the sandbox before the job runs (once per warm sandbox: `gensim.sandbox.child`).
SANDBOX_PRELOAD = ("gensim.sim.environment", "gensim.tasks.episode", "gensim.tasks.registry", "gensim.tasks.loader",
                   "gensim.checking.episodes", "gensim.checking.recorder")
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
    for successes). In a `RecordingEnvironment` (the sandbox) every episode that ran to its end
    is encoded, and `record` holds its `EpisodeRecord` as JSON (for the replay's judgement).
    """
    outcomes = []
    recorded = env is not None and hasattr(env, "log")
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
            if result.success or recorded:
                episode.meta.update(job.get("meta", {}))
                outcome["data"] = encode(episode)
            if recorded:
                from gensim.checking.episodes import episode_record

                outcome["record"] = episode_record(env, int(seed), result).to_json()
        except Exception as err:  # noqa: BLE001 - a failing episode is a failed attempt
            outcome["error"] = f"{type(err).__name__}: {err}"[:500]
            outcome["traceback"] = traceback.format_exc()[-2000:]
        outcome["seconds"] = round(time.perf_counter() - start, 4)
        outcomes.append(outcome)
    return outcomes


def sandbox_entry(payload: dict[str, Any]) -> dict[str, Any]:
    """Inside the sandbox: `run_seeds` in a recording environment, with episode bytes as base64
    text for the JSON verdict."""
    from gensim.checking.episodes import recording

    with recording(render_views=bool(payload.get("views")), robot=str(payload.get("robot") or "none")) as env:
        outcomes = run_seeds(payload, env)
    for outcome in outcomes:
        if outcome["data"] is not None:
            outcome["data"] = base64.b64encode(outcome["data"]).decode("ascii")
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
        if outcome.get("data") is not None:
            outcome["data"] = base64.b64decode(outcome["data"])
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
    return judged(outcomes, [int(s) for s in job["seeds"]], str(job.get("robot") or "none")) if played else outcomes


def judged(outcomes: list[dict[str, Any]], seeds: list[int], robot: str) -> list[dict[str, Any]]:
    """The child's outcomes of `seeds` with success decided by the trusted replay of their
    records (see the module docstring); one outcome per seed, in order."""
    from gensim.checking.conventions import REWARD_ATOL
    from gensim.checking.episodes import decode_record, judge_in_sandbox

    by_seed = {int(o.get("seed", -1)): o for o in outcomes if isinstance(o, dict)}
    ordered = [by_seed.get(s) or {"seed": s, "success": False, "steps": 0, "total_reward": 0.0,
                                   "error": "the sandbox sent no outcome", "data": None, "seconds": 0.0}
               for s in seeds]
    judgements = judge_in_sandbox([o.get("record") for o in ordered], seeds, robot)
    for outcome, judgement in zip(ordered, judgements, strict=True):
        record = decode_record(outcome.pop("record", None), judgement.seed)
        outcome["task_success"], outcome["task_total_reward"] = bool(outcome.get("success")), judgement.task_total
        outcome["success"], outcome["total_reward"] = judgement.success, judgement.total_reward
        note = judgement.disagreement()
        outcome["warnings"] = [note] if note else []
        data = outcome.get("data")
        if not judgement.success or not isinstance(data, bytes) or isinstance(record, str):
            outcome["data"] = None
            if judgement.error and not outcome.get("error"):
                outcome["error"] = f"replay: {judgement.error}"[:500]
            continue
        rewards = judgement.rewards + [0.0] * (len(record.actions) - len(judgement.rewards))
        differs = len(rewards) != len(record.task_rewards) or any(
            abs(a - b) > REWARD_ATOL for a, b in zip(rewards, record.task_rewards, strict=True))
        outcome["data"] = _bound(data, record.actions, rewards, differs)
        if outcome["data"] is None:
            outcome["success"] = False
            outcome["error"] = "the episode's actions are not the ones its record holds (and the replay played)"
    return ordered


def _bound(data: bytes, actions: list[Any], rewards: list[float], disagree: bool) -> bytes | None:
    """The episode bytes if their actions are the recorded ones (float32, as stored), with the
    replay's rewards where the task's disagreed; None if the actions differ or nothing decodes."""
    import numpy as np

    from gensim.data.format import EpisodeFile

    try:
        episode = EpisodeFile(data)
        flat = [[*a[0][0], *a[0][1]] for a in actions], [[*a[1][0], *a[1][1]] for a in actions]
        same = (episode.pose0.shape == (len(actions), 7) and episode.pose1.shape == (len(actions), 7)
                and np.array_equal(episode.pose0, np.asarray(flat[0], dtype=np.float32).reshape(-1, 7))
                and np.array_equal(episode.pose1, np.asarray(flat[1], dtype=np.float32).reshape(-1, 7)))
        if not same or len(rewards) != len(actions):
            episode.close()
            return None
        if not disagree:
            episode.close()
            return data
        replaced = episode.to_episode()
        episode.close()
    except Exception:  # noqa: BLE001 - undecodable bytes are a failed attempt
        return None
    replaced.reward = np.asarray(rewards, dtype=np.float32)
    replaced.meta.update(total_reward=round(float(sum(rewards)), 6), success=True)
    return encode(replaced)


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
