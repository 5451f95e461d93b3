"""The trusted replayer: the verdict of a task from its record, in a process that never loaded
the task's code (gensim's own code only).

`replay_job(payload)` (a sandbox job, `REPLAY_JOB`) and `judge(record, ...)` (the same, in this
process, for built-in tasks) take the child's `RunRecord` and decide every stage after
`runtime`:
1. determinism: the first seed, recorded twice, gave the same scene, goals, actions, rewards;
2. goals: no goal is vacuous (`gensim.checking.vacuity`); shares are normalised;
3. replay: for each seed, a fresh PyBullet scene is rebuilt from the recorded calls (files only
   from the assets folder, or filled templates whose meshes are assets; body ids must come out
   as recorded), the recorded goals are added with the stock `add_goal`, the scene settles, and
   no goal may be reached before the first action; then the expert's recorded actions are
   executed with gensim's own primitive and the stock reward is measured after each one; what
   the task's own `reward()` changed after an action (a box handed out) is made again at that
   point, limited to moving its own objects and stepping physics (`STEP_CALLS`), and refused
   when it brings the current goal closer (an object moved onto its target counts for nothing);
4. success: replayed totals above `SUCCESS_REWARD` on at least `threshold` of the seeds;
5. bounds: objects inside the workspace after reset (but those the task parks and hands out
   later) and still on the table at the end;
6. budget: a successful replay within the task's `max_steps`.
Nothing is rendered. Where the task's own rewards and the replay's differ, the verdict says so
(`disagreements`); the verdict is the replay's.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gensim.checking.conventions import (
    BOUNDS_MARGIN,
    FELL_BELOW,
    MAX_ZONE_HEIGHT,
    POSE_ATOL,
    REWARD_ATOL,
    SUCCESS_REWARD,
    TABLE_MARGIN,
    WORKSPACE,
)
from gensim.checking.decode import DecodeError
from gensim.checking.record import (
    MAX_MESSAGE,
    EpisodeRecord,
    RunRecord,
    SceneRecord,
    SimCall,
    instruction_problem,
)
from gensim.checking.recorder import LOOKS_ONLY, SCENE_CALLS
from gensim.checking.stages import Stage
from gensim.checking.vacuity import check_goals
from gensim.checking.verdict import CheckVerdict
from gensim.sandbox import phases
from gensim.tasks.task import Task

REPLAY_JOB = "gensim.checking.replay:replay_job"


def sandbox_warm_up() -> None:
    """Called once by a warm sandbox of the replayer (`gensim.sandbox.forkserver`)."""
    from gensim.tasks.episode import warm_up

    warm_up()
CREATES = frozenset({"loadURDF", "createCollisionShape", "createVisualShape", "createMultiBody",
                     "createConstraint"})
# What task code may do to the world in its own `reward()` after an action, in the replay.
STEP_CALLS = frozenset({"resetBasePositionAndOrientation", "resetBaseVelocity", "stepSimulation"})
MAX_STEP_REPEAT = 100_000  # physics steps one recorded run of stepSimulation may ask for
MESH_REF = re.compile(r"""filename\s*=\s*["']([^"']*)["']""")


class ReplayError(Exception):
    """The record cannot be rebuilt (one line, says what)."""


def _assets_root() -> Path:
    from gensim.sim.assets import default_assets_root

    return Path(default_assets_root()).resolve()


def _inside(path: Path, root: Path) -> bool:
    return ".." not in path.parts and path.resolve().is_relative_to(root)


def _file_arg(call: SimCall, key: str, work: Path, index: int) -> str:
    spec = call.files.get(key)
    if spec is None:
        raise ReplayError(f"pybullet.{call.fn}: the file it loaded was not recorded")
    root = _assets_root()
    if "asset" in spec:
        path = root / spec["asset"]
        if not _inside(path, root) or not path.is_file():
            raise ReplayError(f"pybullet.{call.fn}: {spec['asset']!r} is not a file of the assets folder")
        return str(path)
    text = spec.get("text", "").replace("{ASSETS}", str(root))
    for ref in MESH_REF.findall(text):
        ref_path = Path(ref)
        if not ref_path.is_absolute() or not _inside(ref_path, root):
            raise ReplayError(f"pybullet.{call.fn}: a loaded file refers to {ref[:120]!r}, outside the assets folder")
    suffix = ".urdf" if call.fn == "loadURDF" else spec.get("suffix", ".obj")
    if not re.fullmatch(r"\.[A-Za-z0-9]+", suffix):
        suffix = ".urdf"
    # A fresh name each time: pybullet caches files by name, across resets.
    path = work / f"replayed-{index}-{uuid.uuid4().hex[:12]}{suffix}"
    path.write_text(text)
    return str(path)


def _no_strings(value: Any, fn: str) -> None:
    if isinstance(value, str):
        raise ReplayError(f"pybullet.{fn}: unexpected text argument {value[:60]!r}")
    if isinstance(value, list):
        for item in value:
            _no_strings(item, fn)


def texture_file(call: SimCall) -> Path:
    """The image a recorded `loadTexture` names (relative to gensim's assets folder or to
    pybullet_data, `recorder.texture_ref`), checked here: ReplayError (one line) for any other
    path, whatever the child wrote into its record."""
    from gensim.checking.recorder import is_texture_image, texture_roots

    spec = call.files.get("0") or {}
    roots = texture_roots()
    if len(spec) == 1 and next(iter(spec)) in roots and isinstance(call.result, int) and not isinstance(call.result, bool):
        key, name = next(iter(spec.items()))
        path, root = roots[key] / name, roots[key]
        if not Path(name).is_absolute() and _inside(path, root) and is_texture_image(path, root):
            return path
    shown = next(iter(spec.values()), "") if spec else ""
    raise ReplayError(f"pybullet.loadTexture: {str(shown)[:120]!r} is not an image of gensim's assets or pybullet_data")


def rebuild(env: Any, calls: Sequence[SimCall], work: Path, looks: bool = False) -> None:
    """Make the recorded calls again in `env`'s client (see the module docstring). `looks`: also
    the calls that change only how bodies look (colours, textures), for a replay that renders.
    A texture is loaded by name from gensim's assets or pybullet_data only (`texture_file`,
    checked whether or not the replay renders), and the ids the child's `loadTexture` returned
    are mapped to the replay's own."""
    import pybullet

    textures: dict[int, int] = {}  # the child's texture id -> this client's
    for index, call in enumerate(calls):
        if call.fn not in SCENE_CALLS:
            raise ReplayError(f"pybullet.{call.fn} is not a call the replay rebuilds")
        if call.fn == "loadTexture":
            path = texture_file(call)
            if looks:
                try:
                    textures[call.result] = pybullet.loadTexture(str(path), physicsClientId=env.client)
                except pybullet.error as err:
                    raise ReplayError(f"pybullet.loadTexture failed when rebuilt: {err}") from None
            continue
        if call.fn in LOOKS_ONLY:  # no physics: only a rendering replay makes them
            if looks:
                _look(env, call, textures)
            continue
        args, kwargs = list(call.args), dict(call.kwargs)
        kwargs.pop("physicsClientId", None)
        for key in list(call.files):
            if key == "0" and args:
                args[0] = _file_arg(call, key, work, index)
            elif key in kwargs:
                kwargs[key] = _file_arg(call, key, work, index)
        for i, value in enumerate(args):
            if not (i == 0 and "0" in call.files):
                _no_strings(value, call.fn)
        for key, value in kwargs.items():
            if key not in call.files:
                _no_strings(value, call.fn)
        try:
            result = getattr(pybullet, call.fn)(*args, physicsClientId=env.client, **kwargs)
        except (pybullet.error, TypeError, ValueError) as err:
            raise ReplayError(f"pybullet.{call.fn} failed when rebuilt: {err}") from None
        if call.fn in CREATES and result != call.result:
            raise ReplayError(f"pybullet.{call.fn} gave id {result} when rebuilt, the record says {call.result!r}")


def after_step(env: Any, calls: Sequence[SimCall], objects: set[int], step: int,
               progress: Any = lambda: 0.0) -> None:
    """Make again the calls task code made in its `reward()` after action `step` (see
    `STEP_CALLS`): moves of the scene's own objects and physics steps. No move may raise
    `progress()` (the current goal's reward): an object put onto its target counts for nothing."""
    import pybullet

    for call in calls:
        if call.fn in LOOKS_ONLY:
            continue
        if call.fn not in STEP_CALLS:
            raise ReplayError(f"after action {step + 1}, the task's reward() called pybullet.{call.fn}: the "
                              "replay only moves the task's objects and steps physics there")
        if call.fn == "stepSimulation":
            repeat = call.kwargs.get("repeat", 1)
            if not isinstance(repeat, int) or not 0 < repeat <= MAX_STEP_REPEAT:
                raise ReplayError(f"after action {step + 1}: a run of {repeat!r} physics steps")
            for _ in range(repeat):
                env.step_physics()
            continue
        args, kwargs = list(call.args), {k: v for k, v in call.kwargs.items() if k != "physicsClientId"}
        body = args[0] if args else kwargs.get("objectUniqueId", kwargs.get("bodyUniqueId"))
        if not isinstance(body, int) or body not in objects:
            raise ReplayError(f"after action {step + 1}, the task's reward() moved {body!r}, not one of its objects")
        for value in [*args, *kwargs.values()]:
            _no_strings(value, call.fn)
        before = progress()
        try:
            getattr(pybullet, call.fn)(*args, physicsClientId=env.client, **kwargs)
        except (pybullet.error, TypeError, ValueError) as err:
            raise ReplayError(f"pybullet.{call.fn} failed when replayed after action {step + 1}: {err}") from None
        if progress() > before + 1e-6:
            raise ReplayError(f"after action {step + 1}, the task's reward() moved an object towards the "
                              "goal: only the expert's actions may reach it")


def _look(env: Any, call: SimCall, textures: dict[int, int] | None = None) -> None:
    """A recorded change of looks made again: `changeVisualShape` with numbers only, its colour
    and its texture (an id of a recorded `loadTexture`, mapped through `textures`)."""
    import pybullet

    if call.fn != "changeVisualShape":
        return
    kwargs = {k: v for k, v in call.kwargs.items() if k in ("rgbaColor", "specularColor")}
    args = list(call.args[:3])
    names = ("objectUniqueId", "linkIndex", "shapeIndex")
    for name in names[len(args):]:
        if name in call.kwargs:
            kwargs[name] = call.kwargs[name]
    if len(call.args) > 4:
        kwargs.setdefault("rgbaColor", call.args[4])
    texture = call.kwargs.get("textureUniqueId", call.args[3] if len(call.args) > 3 else -2)
    if texture != -2:  # pybullet's default: the texture stays as it is
        if texture == -1:  # no texture
            kwargs["textureUniqueId"] = -1
        elif isinstance(texture, int) and not isinstance(texture, bool) and texture in (textures or {}):
            kwargs["textureUniqueId"] = (textures or {})[texture]
        else:
            raise ReplayError(f"pybullet.changeVisualShape: texture {str(texture)[:40]} was not made by a "
                              "recorded loadTexture")
    try:
        for value in [*args, *kwargs.values()]:
            _no_strings(value, call.fn)
        pybullet.changeVisualShape(*args, physicsClientId=env.client, **kwargs)
    except (pybullet.error, TypeError, ValueError, ReplayError) as err:
        raise ReplayError(f"pybullet.changeVisualShape failed when rebuilt: {err}") from None


class ReplayTask(Task):
    """A task made of a record: it rebuilds the recorded scene and adds the recorded goals.

    `render`: the replay renders (demos, policy rollouts): colour changes are made again and the
    task shows the recorded language goals (each checked: `instruction_problem`). `actions`: its
    `oracle` plays them (`RecordedExpert`). `max_steps`: the episode's budget. `step_calls`: what
    the task's own `reward()` changed after each action, made again after it (`after_step`)."""

    def __init__(self, scene: SceneRecord, shares: list[float], pos_eps: float, work: Path, *,
                 render: bool = False, actions: Sequence[Any] | None = None, max_steps: int | None = None,
                 step_calls: Sequence[Sequence[SimCall]] = ()) -> None:
        from gensim.sim import grippers, primitives

        super().__init__()
        self.scene = scene
        self.step_calls = [list(c) for c in step_calls]
        self.steps_taken = 0
        self.shares = shares
        self.work = work
        self.render = render
        self.actions = None if actions is None else list(actions)
        self.expert: RecordedExpert | None = None
        if max_steps is not None:
            self.max_steps = max(1, int(max_steps))
        if render:
            for text in [*scene.lang_goals, scene.done_desc]:
                problem = instruction_problem(text)
                if problem is not None:
                    raise ReplayError(f"the task's language goal: {problem}")
            self.task_completed_desc = scene.done_desc
        grippers_by_name = {"suction": grippers.Suction, "spatula": grippers.Spatula}
        if scene.ee not in grippers_by_name:
            raise ReplayError(f"the end effector {scene.ee!r} is not gensim's Suction or Spatula")
        self.ee = grippers_by_name[scene.ee]
        self.primitive = _primitive(scene.primitive, primitives)
        self.pos_eps = pos_eps
        self.rot_eps = float(scene.rot_eps)
        self.zone_bounds[2][1] = min(float(scene.zone_z_max), MAX_ZONE_HEIGHT)

    def reset(self, env: Any) -> None:
        super().reset(env)
        rebuild(env, self.scene.calls, self.work, looks=self.render)
        import pybullet

        known = {pybullet.getBodyUniqueId(i, physicsClientId=env.client)
                 for i in range(pybullet.getNumBodies(physicsClientId=env.client))}
        objects: dict[str, list[int]] = {cat: [] for cat in env.obj_ids}
        for cat, ids in self.scene.objects.items():
            if cat not in objects or any(i not in known for i in ids):
                raise ReplayError(f"the record's {cat!r} objects are not bodies of the rebuilt scene")
            objects[cat] = list(ids)
        env.obj_ids = objects
        for g, share in zip(self.scene.goals, self.shares, strict=True):
            params = [(pose, size) for pose, size in g.zones] if g.metric == "zone" else None
            self.add_goal(objs=list(g.objs), matches=np.asarray(g.matches, dtype=bool).reshape(len(g.objs), len(g.targets)),
                          targ_poses=list(g.targets), replace=g.replace, rotations=g.rotations,
                          metric=g.metric, params=params, step_max_reward=share, symmetries=list(g.symmetries))
        if self.render:
            self.lang_goals = list(self.scene.lang_goals)
        dims = getattr(env, "_dims", None)
        if isinstance(dims, dict):  # what `Environment.add_object` notes for `env.info`
            for obj in (i for ids in objects.values() for i in ids):
                shapes = pybullet.getVisualShapeData(obj, physicsClientId=env.client)
                dims[obj] = tuple(shapes[0][3]) if shapes else env.get_object_size(obj)
        self.steps_taken = 0

    def oracle(self, env: Any) -> Any:
        if self.actions is None:
            raise ReplayError("a replayed task has no expert of its own")
        self.expert = RecordedExpert(self, self.actions)
        return self.expert

    def reward(self) -> tuple[float, dict[str, Any]]:
        """The stock reward; then what the task's own `reward()` changed after this action,
        made again (`after_step`), which must not bring the current goal any closer."""
        result = super().reward()
        step, self.steps_taken = self.steps_taken, self.steps_taken + 1
        calls = self.step_calls[step] if step < len(self.step_calls) else []
        if calls and self.env is not None:
            objects = {int(i) for ids in self.env.obj_ids.values() for i in ids}
            after_step(self.env, calls, objects, step,
                       lambda: self._step_reward(self.goals[0]) if self.goals else 0.0)
        return result


def _primitive(spec: dict[str, Any], primitives: Any) -> Any:
    kind = spec.get("kind")
    numbers = {k: float(v) for k, v in spec.items() if k != "kind" and isinstance(v, int | float)}
    if kind == "pick_place":
        return primitives.PickPlace(height=numbers.get("height", 0.32), speed=numbers.get("speed", 0.01))
    if kind == "push":
        return primitives.Push(**{k: numbers[k] for k in ("height", "speed", "push_speed", "decel") if k in numbers})
    raise ReplayError(f"the task's primitive ({kind}) is not gensim's PickPlace or push: the replay "
                      "runs only gensim's primitives")


class Watched:
    """`agent` acting in a replayed task; before its first action, notes the total the goals
    reach already (`reward_at_reset`)."""

    def __init__(self, task: ReplayTask, agent: Any) -> None:
        self.task = task
        self.agent = agent
        self.reward_at_reset = 0.0
        self.started = False

    def act(self, obs: Any, info: Any) -> dict[str, Any] | None:
        if not self.started:
            self.started = True
            self.reward_at_reset = reward_at_reset(self.task)
        return self.agent.act(obs, info)  # type: ignore[no-any-return]


class RecordedExpert(Watched):
    """Plays the recorded actions in order (a `Watched` agent)."""

    def __init__(self, task: ReplayTask, actions: list[Any]) -> None:
        super().__init__(task, self)
        self.actions = list(actions)

    def act(self, obs: Any, info: Any) -> dict[str, Any] | None:
        if not self.started:
            self.started = True
            self.reward_at_reset = reward_at_reset(self.task)
        if not self.actions:
            return None
        pose0, pose1 = self.actions.pop(0)
        return {"pose0": pose0, "pose1": pose1}


def reward_at_reset(task: ReplayTask) -> float:
    """The total the stock reward would give with no action at all: goals taken in order, each
    fully reached one counts and the next is looked at (the bookkeeping of `Task.reward`)."""
    from gensim.tasks import rewards

    total = 0.0
    for goal in task.goals:
        if goal.metric == "zone":
            step = rewards.zone_step_reward(goal, task._pose_of, float(task.zone_bounds[2][1]))
        else:
            step = rewards.pose_step_reward(goal, task._pose_of, task.pos_eps, task.rot_eps)
        if abs(goal.step_max_reward - step) >= 0.01:
            break
        total += goal.step_max_reward
    return total


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= POSE_ATOL
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _plain_scene(scene: SceneRecord | None) -> Any:
    if scene is None:
        return None
    doc = scene.to_json()
    for key in ("placed", "lang_goals", "done_desc"):  # for people and renders, not the verdict
        doc.pop(key, None)
    return doc


def deterministic(first: EpisodeRecord, again: EpisodeRecord) -> str | None:
    """Why two records of one seed differ, or None."""
    if not _same(_plain_scene(first.scene), _plain_scene(again.scene)):
        return f"determinism: seed {first.seed} built a different scene or goals the second time"
    if not _same([list(a) for a in first.actions], [list(a) for a in again.actions]):
        return f"determinism: seed {first.seed} gave different expert actions the second time"
    if not _same(first.task_rewards, again.task_rewards):
        return f"determinism: seed {first.seed} gave different rewards the second time"
    return None


def _outside(poses: dict[int, Any], margin: float) -> list[int]:
    (x0, x1), (y0, y1) = WORKSPACE[0], WORKSPACE[1]
    return [k for k, (pos, _) in poses.items()
            if not (x0 - margin <= pos[0] <= x1 + margin and y0 - margin <= pos[1] <= y1 + margin)]


def judge(record: Any, *, name: str, version: int, seeds: Sequence[int], threshold: float,
          robot: str = "none") -> CheckVerdict:
    """The verdict of a record (a `RunRecord` or its JSON); see the module docstring. `robot`:
    the end effector the replay uses (the recording's)."""
    start = time.perf_counter()
    verdict = CheckVerdict(name=name, version=version, seeds=[int(s) for s in seeds], robot=robot)
    try:
        _judge(record, verdict, threshold, robot)
    finally:
        verdict.seconds = round(time.perf_counter() - start, 3)
    return verdict.finish()


def _judge(record: Any, verdict: CheckVerdict, threshold: float, robot: str = "none") -> None:
    try:
        run = record if isinstance(record, RunRecord) else RunRecord.from_json(record)
    except DecodeError as err:
        verdict.fail(Stage.REPLAY, f"replay: the child's record is malformed: {err}")
        return
    if run.load_error is not None:
        verdict.fail(Stage.LOAD, f"load: {run.load_error}"[:MAX_MESSAGE])
        return
    seeds = verdict.seeds
    episodes = run.episodes
    for episode in episodes:
        for message in episode.warnings:
            if message not in verdict.warnings and len(verdict.warnings) < 200:
                verdict.warnings.append(message[:MAX_MESSAGE])
    if [e.seed for e in episodes[: len(seeds)]] != seeds[: len(episodes)]:
        verdict.fail(Stage.REPLAY, "replay: the record's seeds are not the seeds asked for")
        return
    failed_reset = next((e for e in episodes if e.error_stage == "reset"), None)
    if failed_reset is not None:
        verdict.fail(Stage.RESET, str(failed_reset.error)[:MAX_MESSAGE])
        return
    if len(episodes) != len(seeds) + 1:
        verdict.fail(Stage.REPLAY, f"replay: the record has {len(episodes)} episodes for {len(seeds)} seeds")
        return
    verdict.errors.extend(str(e.error)[:MAX_MESSAGE] for e in episodes if e.error_stage == "runtime")
    problem = deterministic(episodes[0], episodes[-1])
    if problem:
        verdict.fail(Stage.DETERMINISM, problem)
        return
    _replay_all(run, episodes[: len(seeds)], verdict, threshold, robot)


def replay_episode(env: Any, episode: EpisodeRecord, findings: Any, work: Path) -> tuple[Any, float]:
    """Rebuild `episode`'s recorded scene in `env`, add its goals (with the shares and tolerance
    of `findings`, `check_goals`) and play its recorded actions with gensim's primitive: the
    `run_episode` result (stock reward) and the total reached before the first action. Raises
    what rebuilding or playing raised. Also the judge of demos and rollouts of untrusted tasks
    (`gensim.checking.episodes`)."""
    from gensim.tasks.episode import run_episode

    if episode.scene is None:
        raise ReplayError(f"seed {episode.seed}: no scene was recorded")
    task = ReplayTask(episode.scene, findings.shares, findings.pos_eps, work, step_calls=episode.step_calls)
    expert = RecordedExpert(task, episode.actions)
    result = run_episode(env, task, episode.seed, policy=expert,
                         max_steps=max(1, len(episode.actions)))  # act() looks once at least
    return result, expert.reward_at_reset


def replay_task(episode: EpisodeRecord, findings: Any, work: Path, *, render: bool = False,
                actions: Sequence[Any] | None = None, max_steps: int | None = None) -> ReplayTask:
    """The `ReplayTask` of `episode`'s recorded scene and goals (shares and tolerance of
    `findings`); see `ReplayTask` for the keywords."""
    if episode.scene is None:
        raise ReplayError(f"seed {episode.seed}: no scene was recorded")
    return ReplayTask(episode.scene, findings.shares, findings.pos_eps, work, render=render, actions=actions,
                      max_steps=max_steps, step_calls=episode.step_calls)


def _replay_all(run: RunRecord, episodes: list[EpisodeRecord], verdict: CheckVerdict, threshold: float,
                robot: str = "none") -> None:
    import tempfile

    from gensim.sim.environment import Environment

    results: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="gensim-replay-") as tmp:
        env = Environment(render_obs=False, robot=robot)
        try:
            for episode in episodes:
                scene = episode.scene
                if scene is None:
                    results.append(None)
                    continue
                findings = check_goals(scene)
                for message in findings.warnings:
                    if message not in verdict.warnings:
                        verdict.warnings.append(message)
                if scene.unsupported:
                    verdict.fail(Stage.REPLAY, f"replay: seed {episode.seed}: the scene uses "
                                 f"{', '.join(scene.unsupported[:5])}, which the replay cannot rebuild: build "
                                 "the scene with env.add_object and the task's helpers")
                    return
                if findings.errors:
                    verdict.fail(Stage.GOALS, *(f"{e} (seed {episode.seed})" for e in findings.errors[:10]))
                    return
                try:
                    result, at_reset = replay_episode(env, episode, findings, Path(tmp))
                except Exception as err:  # noqa: BLE001 - a record that cannot be rebuilt fails the stage
                    inner = getattr(err, "error", err)
                    verdict.fail(Stage.REPLAY, f"replay: seed {episode.seed}: {inner}"[:1000])
                    return
                if at_reset > SUCCESS_REWARD:
                    verdict.fail(Stage.GOALS, f"goals: every goal is already reached after reset, before the "
                                 f"expert acts (seed {episode.seed}): start the objects away from their targets")
                    return
                results.append(result)
        finally:
            env.close()
    _score(run, episodes, results, verdict, threshold)


def _score(run: RunRecord, episodes: list[EpisodeRecord], results: list[Any], verdict: CheckVerdict,
           threshold: float) -> None:
    for episode, result in zip(episodes, results, strict=True):
        total = round(float(result.total_reward), 4) if result is not None else 0.0
        own = round(float(sum(episode.task_rewards)), 4)
        verdict.rewards.append(total)
        verdict.task_rewards.append(own)
        verdict.successes.append(total > SUCCESS_REWARD)
        verdict.steps.append(int(result.steps) if result is not None else 0)
        if abs(total - own) > REWARD_ATOL:
            verdict.disagreements.append(f"seed {episode.seed}: the task's own reward totals {own:.2f}, "
                                         f"the replay's {total:.2f}")
    n = max(len(verdict.seeds), 1)
    verdict.success_rate = round(sum(verdict.successes) / n, 4)
    if verdict.success_rate < threshold:
        per_seed = ", ".join(f"seed {s}: {r:.2f}" for s, r in zip(verdict.seeds, verdict.rewards, strict=False))
        verdict.fail(Stage.SUCCESS, f"success: the replayed expert succeeded on {sum(verdict.successes)} of {n} "
                     f"seeds, below the threshold {threshold:.2f} (total reward per seed: {per_seed})")
        return
    for episode, result in zip(episodes, results, strict=True):
        if result is None:
            continue
        # objects the task parks off the table and hands out later, from its reward() (see
        # `after_step`), may start outside; they must be on the table at the end like the rest
        handed_out = {c.args[0] for calls in episode.step_calls for c in calls
                      if c.fn == "resetBasePositionAndOrientation" and c.args}
        outside = [k for k in _outside(result.reset_poses, BOUNDS_MARGIN) if k not in handed_out]
        if outside:
            verdict.fail(Stage.BOUNDS, f"bounds: seed {episode.seed}: objects {outside[:10]} outside the "
                         "workspace after reset")
            return
        fell = sorted({*_outside(result.final_poses, TABLE_MARGIN),
                       *(k for k, (pos, _) in result.final_poses.items() if pos[2] < FELL_BELOW)})
        if fell:
            verdict.fail(Stage.BOUNDS, f"bounds: seed {episode.seed}: objects {fell[:10]} fell off the table")
            return
    # the budget of a seed is the task's max_steps after that seed's reset (tasks size it to the
    # scene they drew); records without it fall back to the value after __init__
    slow = [(e.seed, e.max_steps or run.max_steps) for e, r, ok in zip(episodes, results, verdict.successes, strict=True)
            if ok and r is not None and r.steps > (e.max_steps or run.max_steps)]
    if slow:
        verdict.fail(Stage.BUDGET, "budget: the expert needed more actions than the task's max_steps on "
                     + ", ".join(f"seed {seed} (max_steps={limit})" for seed, limit in slow))


def replay_job(payload: dict[str, Any]) -> dict[str, Any]:
    """The sandbox job: `payload` = {record, name, version, seeds, threshold, robot} -> verdict JSON."""
    from gensim.sim.arm import check_robot

    phases.enter("replay")
    robot = check_robot(str(payload.get("robot") or "none"))
    verdict = judge(payload.get("record"), name=str(payload.get("name") or "task")[:100],
                    version=int(payload.get("version") or 1), seeds=[int(s) for s in payload.get("seeds") or []],
                    threshold=float(payload.get("threshold", 0.0)), robot=robot)
    return verdict.to_json()
