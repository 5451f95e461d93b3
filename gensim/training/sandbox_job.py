"""The trusted side of policy rollouts on task code: `rollout_job(payload)`, gensim's code only.

It never loads task code. The payload holds, per seed, the record the task's sandboxed child
made of its reset alone (`gensim.data.worker.sandbox_entry` with `reset_only`: the scene's
simulator calls, the goals, the language goals, the step budget) and names a checkpoint in a
folder bound read-only into this job's own sandbox. For each seed the scene is rebuilt with
its colours (`gensim.checking.replay.replay_task`), observations are rendered here, the policy
acts on them, gensim's primitive executes its actions and the stock reward judges them: success,
actions and observations never pass through task code.

Imported only inside the sandbox, before its guard is armed: the imports below are the preload
(the guard refuses what torch, Lightning and the sentence encoder do while importing, such as
loading libraries through ctypes; a warm sandbox's fork server imports them once). The
checkpoint is a copy in a folder of its own, bound read-only (`readable`), the only place
outside the trusted roots the job may read.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import lightning.pytorch  # noqa: F401 - preload (see the module docstring)
import torch

import gensim.checking.replay
import gensim.checking.vacuity
import gensim.policies.agent
import gensim.policies.transporter  # noqa: F401
import gensim.sim.environment
import gensim.tasks.episode
from gensim.checking import decode as d
from gensim.checking.conventions import SUCCESS_REWARD
from gensim.checking.record import MAX_ACTIONS, EpisodeRecord
from gensim.training import rollout

MAX_EPISODES = 1000


def _preload_language() -> None:
    try:
        import sentence_transformers  # noqa: F401
        import transformers.models.bert.modeling_bert  # noqa: F401
    except ImportError:  # the policy then fails to load with a clear error, in the verdict
        pass


_preload_language()


def rollout_job(payload: dict[str, Any]) -> dict[str, Any]:
    """Load the policy from `payload["checkpoint"]` and play it on each recorded scene of
    `payload["episodes"]` (see the module docstring): `{"outcomes": [...]}`, one per record."""
    from gensim.sandbox import phases
    from gensim.sim.arm import check_robot

    phases.enter("replay")
    torch.set_num_threads(int(payload.get("threads", 1)))
    robot = check_robot(str(payload.get("robot") or "none"))
    docs = d.list_of(lambda v, w: v, MAX_EPISODES)(payload.get("episodes"), "episodes")
    records = [EpisodeRecord.from_json(doc, f"episodes[{i}]") for i, doc in enumerate(docs)]
    render = {int(s) for s in payload.get("render") or []}
    agent = gensim.policies.agent.PolicyAgent.from_checkpoint(payload["checkpoint"])
    env = gensim.sim.environment.Environment(robot=robot)
    outcomes = []
    try:
        with tempfile.TemporaryDirectory(prefix="gensim-rollout-") as tmp:
            for record in records:
                outcome = play_record(env, agent, record, Path(tmp), record.seed in render)
                outcomes.append({**outcome.to_json(),
                                 "frames": rollout.pack_frames(outcome.frames) if outcome.frames else None})
    finally:
        env.close()
    return {"outcomes": outcomes}


def play_record(env: Any, agent: Any, record: EpisodeRecord, work: Path, render: bool = False) -> rollout.Outcome:
    """One episode of `agent` on `record`'s rebuilt scene and goals in `env` (this process:
    gensim's code only), judged by the stock reward; not a success when the record cannot be
    rebuilt, or every goal is reached before the first action."""
    from gensim.checking.replay import Watched, replay_task
    from gensim.checking.vacuity import check_goals
    from gensim.tasks.episode import run_episode

    start = time.perf_counter()
    outcome = rollout.Outcome(seed=record.seed, success=False, reward=0.0, steps=0, seconds=0.0)
    try:
        if record.error is not None or record.scene is None:
            raise ValueError(f"the task's reset failed: {record.error or 'no scene was recorded'}")
        if record.scene.unsupported:
            raise ValueError(f"the scene uses {', '.join(record.scene.unsupported[:5])}, which the replay "
                             "cannot rebuild")
        findings = check_goals(record.scene)
        if findings.errors:
            raise ValueError("; ".join(findings.errors[:3]))
        budget = min(int(record.max_steps or 1), MAX_ACTIONS)
        task = replay_task(record, findings, work, render=True, max_steps=budget)
        watched = Watched(task, agent)
        result = run_episode(env, task, record.seed, policy=watched, render=render)
        outcome.reward, outcome.steps = float(result.total_reward), result.steps
        outcome.frames, outcome.instruction = list(result.frames), str(result.lang_goal)
        outcome.success = bool(result.success)
        if watched.reward_at_reset > SUCCESS_REWARD:
            outcome.success = False
            outcome.error = "every goal is already reached after reset, before the first action"
    except Exception as err:  # noqa: BLE001 - a crashing episode is a failed episode
        outcome.error = f"{type(err).__name__}: {getattr(err, 'error', err)}"[:500]
    outcome.seconds = round(time.perf_counter() - start, 3)
    return outcome
