"""The child side of the gate: run a task's expert and RECORD what happened, decide nothing.

`record_run(make_task, name, seeds)` plays the expert on every seed (and the first seed again,
for the determinism stage) in a `RecordingEnvironment` and returns a `RunRecord`:
- while `task.reset` runs, every pybullet call that changes the world (`SCENE_CALLS`) is logged
  with its arguments and result (`recording_pybullet`); any other call that is not a plain read
  (`unsupported_calls()`) is named in the record, and the replay refuses such a scene;
- after reset, the goals are copied into plain records, with the end effector, the primitive
  and the tolerances the stock reward needs;
- every action the expert took, and the reward the task's own `reward()` gave it;
- the world-changing calls task code made inside its `reward()` after each action (a task may
  hand out objects there, as the reference's palletizing-boxes does), for the replay to make
  again at the same point.
Nothing here judges the task: the replayer (`gensim.checking.replay`) does, from the record.
Phases are announced for the sandbox's budgets (`gensim.sandbox.phases`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from gensim.checking.conventions import step_budget
from gensim.checking.record import (
    MAX_CALLS,
    MAX_GOALS,
    MAX_INSTRUCTION,
    EpisodeRecord,
    GoalRecord,
    RunRecord,
    SceneRecord,
    SimCall,
)
from gensim.sandbox import phases
from gensim.sim.environment import Environment

# Calls that change the world and that the replay rebuilds (or, for looks only, skips).
SCENE_CALLS = frozenset({
    "loadURDF", "createCollisionShape", "createVisualShape", "createMultiBody", "createConstraint",
    "changeConstraint", "removeConstraint", "changeDynamics", "resetBasePositionAndOrientation",
    "resetBaseVelocity", "resetJointState", "resetJointStateMultiDof", "resetJointStatesMultiDof",
    "removeBody", "removeCollisionShape", "setJointMotorControl", "setJointMotorControl2",
    "setJointMotorControlArray", "setJointMotorControlMultiDof", "setJointMotorControlMultiDofArray",
    "enableJointForceTorqueSensor", "setCollisionFilterPair", "setCollisionFilterGroupMask", "setGravity",
    "setTimeStep", "setPhysicsEngineParameter", "setDefaultContactERP", "performCollisionDetection",
    "stepSimulation", "changeVisualShape", "changeTexture", "resetVisualShapeData", "loadTexture",
})
MOVE_CALLS = frozenset({"resetBasePositionAndOrientation", "resetBaseVelocity"})
LOOKS_ONLY = frozenset({"changeVisualShape", "changeTexture", "resetVisualShapeData", "loadTexture"})
# Calls that neither change the world nor matter to the replay (reads, maths, debug drawing).
# Every other pybullet function called while the scene is built is named in the record as
# unsupported, and the replay refuses the scene.
READ_PREFIXES = ("get", "compute", "calculate", "is", "ray", "read")
IGNORED = frozenset({
    "invertTransform", "multiplyTransforms", "rotateVector", "renderImage", "addUserDebugLine",
    "addUserDebugParameter", "addUserDebugPoints", "addUserDebugText", "removeAllUserDebugItems",
    "removeAllUserParameters", "removeUserDebugItem", "configureDebugVisualizer",
    "resetDebugVisualizerCamera", "setDebugObjectColor", "submitProfileTiming", "syncBodyInfo",
    "syncUserData", "addUserData", "removeUserData", "setTimeOut", "saveState", "removeState", "error",
})


def unsupported_calls() -> frozenset[str]:
    """The pybullet functions that change the world in ways the replay does not rebuild."""
    import pybullet

    names = {n for n in dir(pybullet) if not n.startswith("_") and callable(getattr(pybullet, n))
             and not isinstance(getattr(pybullet, n), type)}
    return frozenset(n for n in names if n not in SCENE_CALLS and n not in IGNORED
                     and not n.startswith(READ_PREFIXES))


FILE_ARGS = {"loadURDF": ("0", "fileName"), "createCollisionShape": ("fileName",),
             "createVisualShape": ("fileName",)}
MAX_FILE_BYTES = 1_000_000
FILE_PLACEHOLDER = "{FILE}"  # stands for a file argument in the record (see `SimCall.files`)
TEXTURE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tga", ".bmp", ".gif"})


def texture_roots() -> dict[str, Path]:
    """Where a texture may come from, by the name a record gives the root: gensim's assets
    folder and pybullet_data (a name relative to one of them is all a record holds)."""
    import pybullet_data

    from gensim.sim.assets import default_assets_root

    return {"asset": Path(default_assets_root()).resolve(), "pybullet_data": Path(pybullet_data.getDataPath()).resolve()}


def is_texture_image(path: Path, root: Path) -> bool:
    """Whether `path` is an image file under `root` (one of `texture_roots`), links resolved:
    the recorder's test of what a task loads, and the replayer's of what a record names."""
    return path.resolve().is_relative_to(root) and path.is_file() and path.suffix.lower() in TEXTURE_SUFFIXES


def texture_ref(name: Any) -> dict[str, str]:
    """The record of a texture file `loadTexture` was given: `{"asset": relative path}` or
    `{"pybullet_data": relative path}`; ValueError (one line) for any other file."""
    path = Path(str(name)).resolve()
    for key, root in texture_roots().items():
        if is_texture_image(path, root):
            return {key: str(path.relative_to(root))}
    raise ValueError(f"the texture {str(name)[:120]!r} is not an image of gensim's assets or pybullet_data")


class CallLog:
    """The calls of the client being recorded, while `active`."""

    def __init__(self, assets_root: str) -> None:
        self.assets_root = str(Path(assets_root).resolve())
        self.client = -1
        self.active = False
        self.calls: list[SimCall] = []
        self.unsupported: list[str] = []
        self.textures: dict[int, int] = {}  # pybullet's texture ids -> the scene's (0, 1, ... in load order)
        # Called with a body's id before code sets its pose or velocity (`Environment.wake`: Bullet
        # would leave a sleeping body where it was put, in mid-air too).
        self.on_move: Callable[[int], None] | None = None

    def add(self, fn: str, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        if int(kwargs.get("physicsClientId", 0)) != self.client:
            return
        if fn not in SCENE_CALLS:
            if fn not in self.unsupported:
                self.unsupported.append(fn)
            return
        if len(self.calls) >= MAX_CALLS:
            self.unsupported.append(f"more than {MAX_CALLS} simulator calls")
            self.active = False
            return
        try:
            plain_args = [_plain(a) for a in args]
            plain_kwargs = {str(k): _plain(v) for k, v in kwargs.items() if k != "physicsClientId"}
            call = SimCall(fn, plain_args, plain_kwargs, _plain(result))
            if fn == "loadTexture":  # a texture by name only, from the allowed folders
                name = plain_args[0] if plain_args else plain_kwargs.pop("textureFilename", None)
                call.args, call.kwargs = [FILE_PLACEHOLDER], {}
                call.files["0"] = texture_ref(name)
                # numbered within the scene: pybullet's ids grow from reset to reset
                call.result = self.textures.setdefault(int(result), len(self.textures))
            elif fn == "changeVisualShape":
                self._scene_texture(plain_args, plain_kwargs)
            for key in FILE_ARGS.get(fn, ()):
                value = plain_args[0] if key == "0" and plain_args else plain_kwargs.get(key)
                if isinstance(value, str):
                    call.files[key] = self._file(value)
                    if key == "0":
                        plain_args[0] = FILE_PLACEHOLDER
                    else:
                        plain_kwargs[key] = FILE_PLACEHOLDER
        except (TypeError, ValueError, OSError) as err:
            self.unsupported.append(f"{fn} ({err})")
            return
        self.calls.append(call)

    def _scene_texture(self, args: list[Any], kwargs: dict[str, Any]) -> None:
        """A `changeVisualShape`'s texture id written as the scene's number of that texture."""
        where: Any = (kwargs, "textureUniqueId") if "textureUniqueId" in kwargs else (args, 3) if len(args) > 3 else None
        if where is None or not isinstance(where[0][where[1]], int) or where[0][where[1]] < 0:
            return  # no texture named (-1 removes it, -2 leaves it)
        real = where[0][where[1]]
        if real not in self.textures:
            raise ValueError(f"texture {real} was not loaded while the scene was built")
        where[0][where[1]] = self.textures[real]

    def _file(self, name: str) -> dict[str, str]:
        path = Path(name).resolve()
        root = Path(self.assets_root)
        if path.is_relative_to(root) and path.is_file():
            return {"asset": str(path.relative_to(root))}
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"{path.name} is larger than {MAX_FILE_BYTES} bytes")
        text = data.decode("utf-8", "replace").replace(self.assets_root, "{ASSETS}")
        return {"text": text, "suffix": path.suffix[:8]}


def _plain(value: Any, depth: int = 0) -> Any:
    """`value` as JSON data (numbers, strings, lists); `TypeError` for anything else."""
    if depth > 6:
        raise TypeError("an argument nested too deeply")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v, depth + 1) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    raise TypeError(f"an argument of type {type(value).__name__}")


@contextmanager
def recording_pybullet(log: CallLog) -> Iterator[None]:
    """Route the pybullet functions that change the world through `log` (restored afterwards)."""
    import pybullet

    saved: dict[str, Any] = {}
    for fn in sorted(SCENE_CALLS | unsupported_calls()):
        real = getattr(pybullet, fn, None)
        if real is None:
            continue
        saved[fn] = real

        def logged(*args: Any, __real: Any = real, __fn: str = fn, **kwargs: Any) -> Any:
            if __fn in MOVE_CALLS and log.on_move is not None:
                body = args[0] if args else kwargs.get("objectUniqueId", kwargs.get("bodyUniqueId"))
                if isinstance(body, int) and int(kwargs.get("physicsClientId", 0)) == log.client:
                    log.on_move(body)
            result = __real(*args, **kwargs)
            if log.active:
                log.add(__fn, args, kwargs, result)
            return result

        setattr(pybullet, fn, logged)
    try:
        yield
    finally:
        for fn, real in saved.items():
            setattr(pybullet, fn, real)


class RecordingEnvironment(Environment):
    """An environment that logs the scene `task.reset` builds and snapshots the goals."""

    def __init__(self, log: CallLog, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.log = log
        self.log.client = self.client
        self.log.on_move = self.wake
        self.scene: SceneRecord | None = None
        self.placed: list[dict[str, Any]] = []
        self.step_calls: list[list[SimCall]] = []

    def build_scene(self) -> None:
        self.log.calls, self.log.unsupported, self.placed = [], [], []
        self.log.textures = {}
        self.log.active = True
        try:
            super().build_scene()
        finally:
            self.log.active = False

    def add_object(self, urdf: str, pose: Any, category: str = "rigid", color: Any = None,
                   **kwargs: Any) -> int:
        obj_id = super().add_object(urdf, pose, category, color, **kwargs)
        if self.log.active:
            try:
                self.placed.append({"id": obj_id, "urdf": str(urdf), "category": str(category),
                                    "pose": _plain(self.get_object_pose(obj_id)), "color": _summary(color),
                                    "replace": _summary(kwargs.get("replace")),
                                    "size": _summary(kwargs.get("size"))})
            except TypeError:
                pass
        return obj_id

    # The environment's own sleep bookkeeping is not the task's doing: never logged.
    def rest(self) -> None:
        with self._unlogged():
            super().rest()

    def wake(self, obj_id: int) -> None:
        with self._unlogged():
            super().wake(obj_id)

    @contextmanager
    def _unlogged(self) -> Iterator[None]:
        active, self.log.active = self.log.active, False
        try:
            yield
        finally:
            self.log.active = active

    def reset(self) -> dict[str, Any]:
        phases.enter("reset")
        self.scene = None
        self.step_calls = []
        obs = super().reset()
        self.scene = snapshot_scene(self)
        phases.enter("act")
        return obs

    def step(self, action: dict[str, Any] | None = None) -> tuple[dict[str, Any], float, bool, dict[Any, Any]]:
        """A step, with the calls the task's `reward()` makes logged into `step_calls`."""
        task = self.task
        if action is None or task is None:
            return super().step(action)
        calls: list[SimCall] = []
        own = task.__dict__.get("reward")
        real = task.reward

        def reward() -> Any:
            saved, self.log.calls = self.log.calls, []
            unsupported, self.log.unsupported = self.log.unsupported, []
            self.log.active = True
            try:
                return real()
            finally:
                self.log.active = False
                calls.extend(self.log.calls)
                # named as calls of their own: the replay refuses them at this step
                calls.extend(SimCall(str(fn)[:200], [], {}) for fn in self.log.unsupported)
                self.log.calls, self.log.unsupported = saved, unsupported

        task.reward = reward
        try:
            return super().step(action)
        finally:
            if own is None:
                del task.reward
            else:
                task.reward = own
            self.step_calls.append(merge_steps(calls))


def merge_steps(calls: list[SimCall]) -> list[SimCall]:
    """`calls` with each run of plain `stepSimulation` calls as one, `{"repeat": n}`."""
    out: list[SimCall] = []
    for call in calls:
        if call.fn == "stepSimulation" and not call.args and not call.kwargs:
            last = out[-1] if out else None
            if last is not None and last.fn == "stepSimulation" and "repeat" in last.kwargs:
                last.kwargs["repeat"] += 1
            else:
                out.append(SimCall("stepSimulation", [], {"repeat": 1}))
            continue
        out.append(call)
    return out


def _summary(value: Any) -> Any:
    try:
        return _plain(value)
    except TypeError:
        return str(value)[:200]


def snapshot_scene(env: RecordingEnvironment) -> SceneRecord:
    """The scene record of the reset that just ran (goals copied into plain records)."""
    from gensim.sim.grippers import Spatula, Suction
    from gensim.sim.primitives import PickPlace, Push

    task = env.task
    names: dict[type, str] = {Suction: "suction", Spatula: "spatula"}
    ee = names.get(type(env.ee), f"other:{type(env.ee).__name__}")
    prim = task.primitive
    primitive: dict[str, Any]
    if type(prim) is PickPlace:
        primitive = {"kind": "pick_place", "height": float(prim.height), "speed": float(prim.speed)}
    elif type(prim) is Push:
        primitive = {"kind": "push", "height": float(prim.height), "speed": float(prim.speed),
                     "push_speed": float(prim.push_speed), "decel": float(prim.decel)}
    else:
        primitive = {"kind": f"other:{type(prim).__name__}"}
    return SceneRecord(
        ee=ee, primitive=primitive, pos_eps=float(task.pos_eps), rot_eps=float(task.rot_eps),
        zone_z_max=float(np.asarray(task.zone_bounds, dtype=float)[2][1]),
        calls=list(env.log.calls), objects={str(k): [int(i) for i in v] for k, v in env.obj_ids.items()},
        goals=[goal_record(g) for g in list(task.goals)], placed=list(env.placed),
        unsupported=list(env.log.unsupported),
        lang_goals=_texts(getattr(task, "lang_goals", None)),
        done_desc=_texts([getattr(task, "task_completed_desc", "")])[0],
    )


def _texts(values: Any) -> list[str]:
    """The task's language goals as strings, each cut one character past the longest the
    replayer takes (which then refuses it); [] if not a list."""
    if not isinstance(values, list | tuple):
        return []
    return [(v if isinstance(v, str) else str(v))[:MAX_INSTRUCTION + 1] for v in values[:MAX_GOALS]]


def goal_record(goal: Any) -> GoalRecord:
    """A plain copy of one of the task's goals."""
    return GoalRecord(
        objs=[int(o) for o in goal.objs],
        matches=[[bool(x) for x in row] for row in np.asarray(goal.matches).tolist()],
        targets=[_pose(t) for t in goal.targ_poses],
        replace=bool(goal.replace), rotations=bool(goal.rotations), metric=str(goal.metric),
        share=float(goal.step_max_reward), symmetries=[float(s) for s in goal.symmetries],
        zones=[(_pose(z.pose), tuple(float(s) for s in z.size)) for z in goal.zones],
    )


def _pose(p: Any) -> tuple[tuple[float, ...], tuple[float, ...]]:
    return tuple(float(v) for v in p[0]), tuple(float(v) for v in p[1])


def record_run(make_task: Callable[[], Any], name: str, seeds: Sequence[int], filename: str,
               assets_root: str | None = None, robot: str = "none") -> RunRecord:
    """Instantiate the task and record the expert on each seed, then the first seed again."""
    from gensim.tasks.loader import describe_error

    run = RunRecord(name=name)
    phases.enter("init")
    try:
        task = make_task()
        run.max_steps = int(task.max_steps)
    except Exception as err:  # noqa: BLE001 - every failure of task code is recorded
        run.load_error = describe_error(err, filename)
        return run
    log = CallLog(assets_root or _assets_root())
    with recording_pybullet(log):
        env = RecordingEnvironment(log, render_obs=False, robot=robot)
        try:
            for seed in [*seeds, *seeds[:1]]:
                episode = record_episode(env, task, int(seed), filename)
                run.episodes.append(episode)
                if episode.error_stage == "reset":
                    break
        finally:
            try:
                env.close()
            except Exception:  # noqa: BLE001 - task code may have broken the client already
                pass
    return run


def _assets_root() -> str:
    from gensim.sim.assets import default_assets_root

    return default_assets_root()


def record_episode(env: RecordingEnvironment, task: Any, seed: int, filename: str) -> EpisodeRecord:
    """Play the expert on one seed and record it (see the module docstring)."""
    from gensim.sim.primitives import as_pose
    from gensim.tasks.episode import EpisodeError, run_episode
    from gensim.tasks.loader import describe_error

    episode = EpisodeRecord(seed=seed)

    def note(obs: Any, action: dict[str, Any] | None, reward: float, info: Any) -> None:
        if action is not None:
            episode.actions.append((as_pose(action["pose0"]), as_pose(action["pose1"])))
            episode.task_rewards.append(float(reward))

    try:
        result = run_episode(env, task, seed, max_steps=step_budget, record=note)
        if any(env.step_calls):
            episode.step_calls = list(env.step_calls)
        episode.warnings = list(result.warnings)
        episode.max_steps = int(task.max_steps)
    except EpisodeError as err:
        inner = getattr(err, "error", err)
        where = f"seed {seed}" + (f", step {err.step}" if err.phase != "reset" else "")
        episode.error_stage = "reset" if err.phase == "reset" else "runtime"
        episode.error = f"{err.phase} ({where}): {describe_error(inner, filename)}"
    except Exception as err:  # noqa: BLE001 - e.g. the goals could not be copied
        episode.error_stage = "reset" if env.scene is None else "runtime"
        episode.error = f"{episode.error_stage} (seed {seed}): {type(err).__name__}: {err}"[:2000]
    episode.scene = env.scene
    return episode
