"""Keep or success of episodes played by untrusted task code, decided by the trusted replay.

Demonstrations (`gensim.data.worker`) and policy rollouts (`gensim.training.rollout`) of a task
that is not built in run in a sandboxed child, which also RECORDS each episode with the gate's
machinery (`gensim.checking.recorder`): the scene `task.reset` built, the goals as plain
records, the actions that were executed and the task's own rewards (`EpisodeRecord`).
- child side: `recording(**env_kwargs)` gives the `RecordingEnvironment` to play in, and
  `episode_record(env, seed, result)` the record of the episode that just ran;
- trusted side: `judge_episodes(records, robot)` rebuilds every scene, replays the recorded
  actions with gensim's primitive (`gensim.checking.replay.replay_episode`) and scores them
  with the stock reward; `judge_in_sandbox` runs it as its own sandboxed job (`JUDGE_JOB`,
  gensim's code only, never task code) and decodes the answer with limits.
The replay's total decides: an episode is kept (demos) or a success (eval) only when its
replayed total passes `SUCCESS_REWARD`. Where the task's own total differs from the replay's,
`EpisodeJudgement.disagreement` says so and the caller records it; the replay wins.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from gensim.checking import decode as d
from gensim.checking.conventions import REWARD_ATOL, SUCCESS_REWARD
from gensim.checking.record import MAX_ACTIONS, MAX_MESSAGE, EpisodeRecord

JUDGE_JOB = "gensim.checking.episodes:judge_job"
JUDGE_START_S = 60.0  # wall clock to start the replayer's sandbox (s)
JUDGE_S_PER_EPISODE = 60.0  # ... and to replay one episode (no rendering) (s)
MAX_EPISODES = 1000  # episodes one judge job takes
# Imported by the replayer's sandbox before the job runs (once per warm sandbox).
SANDBOX_PRELOAD = ("gensim.checking.replay", "gensim.checking.vacuity", "gensim.sim.environment",
                   "gensim.tasks.episode", "gensim.data.worker", "gensim.data.format")


def sandbox_warm_up() -> None:
    """Called once by a warm sandbox of the replayer (`gensim.sandbox.forkserver`): an empty
    scene built and rendered (the replay of demos renders)."""
    from gensim.tasks.episode import warm_up

    warm_up(render_obs=True)


@dataclass
class EpisodeJudgement:
    """The replay's word on one recorded episode."""

    seed: int
    success: bool  # the replayed total passes SUCCESS_REWARD (False when it could not be replayed)
    total_reward: float  # the replay's (stock reward)
    rewards: list[float] = field(default_factory=list)  # the replay's, per action
    task_total: float = 0.0  # what the task's own reward() summed to in the child
    error: str | None = None  # why the episode could not be replayed or judged
    data: str | None = None  # demos: the replay's encoded demonstration (base64), successes only

    def disagreement(self) -> str | None:
        """A one-line note when the task's own total and the replay's differ, else None."""
        if self.error is not None:
            return f"seed {self.seed}: not replayed ({self.error}); the task's own reward totals {self.task_total:.2f}"
        if abs(self.total_reward - self.task_total) > REWARD_ATOL:
            return (f"seed {self.seed}: the task's own reward totals {self.task_total:.2f}, the replay's "
                    f"{self.total_reward:.2f}")
        return None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: Any, what: str) -> EpisodeJudgement:
        doc = d.obj(doc, what)
        return cls(
            seed=d.field(doc, "seed", d.as_int, what),
            success=d.field(doc, "success", d.as_bool, what),
            total_reward=d.field(doc, "total_reward", d.as_float, what),
            rewards=d.field(doc, "rewards", d.list_of(d.as_float, MAX_ACTIONS), what),
            task_total=d.field(doc, "task_total", d.as_float, what),
            error=d.opt(doc, "error", lambda v, w: None if v is None else d.as_str(v, w)[:MAX_MESSAGE], what, None),
            data=d.opt(doc, "data", lambda v, w: None if v is None else d.as_str(v, w), what, None),
        )

    def demo_bytes(self) -> bytes | None:
        """The replay's demonstration (`data`) decoded, or None."""
        if self.data is None:
            return None
        try:
            return base64.b64decode(self.data, validate=True)
        except ValueError:
            return None


# --- child side (inside the sandbox, next to task code) ---------------------------------------

@contextmanager
def recording(**env_kwargs: Any) -> Iterator[Any]:
    """A `RecordingEnvironment` (`env_kwargs` as for `Environment`) with pybullet's world-changing
    calls logged while it builds scenes; closed afterwards."""
    from gensim.checking.recorder import CallLog, RecordingEnvironment, recording_pybullet
    from gensim.sim.assets import default_assets_root

    log = CallLog(default_assets_root())
    with recording_pybullet(log):
        env = RecordingEnvironment(log, **env_kwargs)
        try:
            yield env
        finally:
            env.close()


def episode_record(env: Any, seed: int, result: Any) -> EpisodeRecord:
    """The record of the episode `result` (`run_episode`'s) that just ran in `env` (a
    `RecordingEnvironment`): its scene and goals, the executed actions, the task's rewards."""
    actions = [(tuple(map(float, a["pose0"][0])), tuple(map(float, a["pose0"][1])),
                tuple(map(float, a["pose1"][0])), tuple(map(float, a["pose1"][1]))) for a in result.actions]
    return EpisodeRecord(seed=int(seed), scene=getattr(env, "scene", None),
                         actions=[((p0, q0), (p1, q1)) for p0, q0, p1, q1 in actions],
                         task_rewards=[float(r) for r in result.rewards], max_steps=int(result.max_steps),
                         warnings=[str(w) for w in result.warnings[:20]],
                         step_calls=list(getattr(env, "step_calls", [])) if any(getattr(env, "step_calls", [])) else [])


# --- trusted side (gensim's code only) ----------------------------------------------------------

def judge_episodes(records: Sequence[EpisodeRecord], robot: str = "none",
                   demos: dict[str, Any] | None = None) -> list[EpisodeJudgement]:
    """Replay each record in a fresh scene of this process and judge it (module docstring).
    `demos` (`{"views": bool, "meta": {...}}`): the replay renders, and each success carries
    the demonstration it played (`EpisodeJudgement.data`, `demo_bytes`)."""
    import tempfile
    from pathlib import Path

    from gensim.checking.vacuity import check_goals
    from gensim.sim.environment import Environment

    out: list[EpisodeJudgement] = []
    views = bool((demos or {}).get("views"))
    with tempfile.TemporaryDirectory(prefix="gensim-replay-") as tmp:
        env = Environment(render_obs=demos is not None, render_views=views, robot=robot)
        try:
            for record in records:
                judged = EpisodeJudgement(seed=record.seed, success=False, total_reward=0.0,
                                          task_total=round(float(sum(record.task_rewards)), 4))
                out.append(judged)
                scene = record.scene
                if record.error_stage is not None or scene is None:
                    judged.error = str(record.error or "the episode did not run to its end")[:MAX_MESSAGE]
                    continue
                if scene.unsupported:
                    judged.error = f"the scene uses {', '.join(scene.unsupported[:5])}, which the replay cannot rebuild"
                    continue
                findings = check_goals(scene)
                if findings.errors:
                    judged.error = "; ".join(findings.errors[:3])[:MAX_MESSAGE]
                    continue
                try:
                    result, at_reset, data = _replay(env, record, findings, Path(tmp), demos)
                except Exception as err:  # noqa: BLE001 - a record that cannot be rebuilt is not a success
                    judged.error = f"replay: {getattr(err, 'error', err)}"[:MAX_MESSAGE]
                    continue
                judged.rewards = [round(float(r), 6) for r in result.rewards]
                judged.total_reward = round(float(result.total_reward), 4)
                if at_reset > SUCCESS_REWARD:
                    judged.error = "every goal is already reached after reset, before the first action"
                    continue
                judged.success = judged.total_reward > SUCCESS_REWARD
                if judged.success and data is not None:
                    judged.data = base64.b64encode(data).decode("ascii")
        finally:
            env.close()
    return out


def _replay(env: Any, record: EpisodeRecord, findings: Any, work: Any,
            demos: dict[str, Any] | None) -> tuple[Any, float, bytes | None]:
    """Replay one record: (the `run_episode` result, the total reached at reset, the encoded
    demonstration when `demos`: the replay's own observations, the recorded actions, the
    replay's rewards, the recorded and checked instructions)."""
    from gensim.checking.replay import replay_episode, replay_task

    if demos is None:
        result, at_reset = replay_episode(env, record, findings, work)
        return result, at_reset, None
    from gensim.data.format import encode
    from gensim.data.worker import play

    task = replay_task(record, findings, work, render=True, actions=record.actions,
                       max_steps=max(1, len(record.actions)))  # act() looks once at least
    result, episode = play(env, task, record.seed, bool(demos.get("views")))
    episode.meta["warnings"] = [safe_text(w) for w in record.warnings[:20]]
    episode.meta.update(dict(demos.get("meta") or {}))
    expert = task.expert
    return result, expert.reward_at_reset if expert is not None else 0.0, encode(episode)


def safe_text(text: str, limit: int = 300) -> str:
    """A message from the child as stored text: at most `limit` characters, control and
    unprintable characters escaped."""
    text = str(text)[:limit]
    return text if text.isprintable() else ascii(text)[1:-1]


def judge_job(payload: dict[str, Any]) -> dict[str, Any]:
    """The sandbox job: `{"episodes": [EpisodeRecord JSON], "robot"}` -> `{"judgements": [...]}`."""
    from gensim.sandbox import phases
    from gensim.sim.arm import check_robot

    phases.enter("replay")
    robot = check_robot(str(payload.get("robot") or "none"))
    docs = d.list_of(lambda v, w: v, MAX_EPISODES)(payload.get("episodes"), "episodes")
    records = [EpisodeRecord.from_json(doc, f"episodes[{i}]") for i, doc in enumerate(docs)]
    demos = payload.get("demos")
    demos = None if demos is None else {"views": bool(d.obj(demos, "demos").get("views")),
                                        "meta": d.obj(demos.get("meta") or {}, "demos.meta")}
    return {"judgements": [j.to_json() for j in judge_episodes(records, robot, demos)]}


def decode_record(doc: Any, seed: int) -> EpisodeRecord | str:
    """The child's record of `seed`, decoded with limits, or why it cannot be used."""
    if doc is None:
        return "the child sent no record"
    try:
        record = EpisodeRecord.from_json(d.bounded(doc, "record"), "record")
    except d.DecodeError as err:
        return f"the child's record is malformed: {err}"
    return record if record.seed == int(seed) else f"the child's record is of seed {record.seed}"


def judge_limits() -> Any:
    """The replayer's limits (its warm sandboxes are shared by every judgement)."""
    from gensim.sandbox import Limits

    return Limits(wall_s=JUDGE_START_S, cpu_s=int(JUDGE_START_S))


def judge_in_sandbox(records: Sequence[Any], seeds: Sequence[int], robot: str = "none",
                     limits: Any = None, demos: dict[str, Any] | None = None) -> list[EpisodeJudgement]:
    """Judge the child's records (JSON, None where it sent none) of `seeds` in the trusted
    replayer's own sandbox (warm by default: `settings.sandbox_warm`); one judgement per seed,
    in order (not a success where the record is missing, malformed, of another seed, or the
    replayer failed). `demos`: see `judge_episodes` (each success then carries its episode)."""
    from dataclasses import replace

    from gensim.config import get_settings
    from gensim.sandbox import run_in_sandbox

    def failed(seed: int, why: str) -> EpisodeJudgement:
        return EpisodeJudgement(seed=int(seed), success=False, total_reward=0.0, error=why[:MAX_MESSAGE])

    decoded = [decode_record(doc, seed) for doc, seed in zip(records, seeds, strict=True)]
    sent = [r for r in decoded if isinstance(r, EpisodeRecord)]
    judged: dict[int, EpisodeJudgement] = {}
    if sent:
        if limits is None:
            wall = JUDGE_START_S + JUDGE_S_PER_EPISODE * len(sent)
            limits = replace(judge_limits(), wall_s=wall, cpu_s=int(wall))
        payload: dict[str, Any] = {"episodes": [r.to_json() for r in sent], "robot": robot}
        if demos is not None:
            payload["demos"] = demos
        res = run_in_sandbox(JUDGE_JOB, payload, limits, warm=bool(get_settings().sandbox_warm))
        why = f"replay: {res.error or 'the replayer returned nothing'}"
        if res.ok:
            try:
                doc = d.obj(d.bounded(res.result, "judgements"), "judgements")
                answers = d.field(doc, "judgements", d.list_of(EpisodeJudgement.from_json, MAX_EPISODES), "judgements")
                judged = {r.seed: j for r, j in zip(sent, answers, strict=False) if j.seed == r.seed}
            except d.DecodeError as err:
                why = f"replay: {err}"
        for record in sent:
            if record.seed not in judged:
                judged[record.seed] = failed(record.seed, why)
                judged[record.seed].task_total = round(float(sum(record.task_rewards)), 4)
    return [judged[int(s)] if isinstance(r, EpisodeRecord) else failed(s, r) for r, s in zip(decoded, seeds, strict=True)]
