"""What the sandboxed child records about a task: plain data, nothing it decided.

A `RunRecord` holds, per checked seed, the scene the task built (`SceneRecord`), its goals as
plain records (`GoalRecord`), the expert's actions and the task's own per-action rewards. The
scene is the ordered list of simulator calls made while `task.reset` ran (`SimCall`: each
`env.add_object`, rope, pile and any direct pybullet call comes down to these), the files they
loaded (an asset path, or the text of a filled template), the object categories and a summary
of each `add_object` (asset, template replacements, pose, colour, category) for people.
Records cross the process boundary as JSON: `to_json` in the child, `from_json` (typed,
bounded, one-line `DecodeError`) in the replayer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from gensim.checking import decode as d

MAX_CALLS = 20_000  # simulator calls one scene may record
MAX_ACTIONS = 1_000  # actions one episode may record
MAX_GOALS = 1_000
MAX_MESSAGE = 1_000  # characters a verdict keeps of one message that came from the child
MAX_INSTRUCTION = 500  # characters of one language goal (the instruction stored with a demo)
Pose = tuple[tuple[float, ...], tuple[float, ...]]


@dataclass
class SimCall:
    """One pybullet call made while the scene was built: `fn(*args, **kwargs) -> result`.

    `files` maps an argument (`"0"` for the first positional one, or a keyword) to the file it
    named (the argument itself reads "{FILE}"): `{"asset": path relative to the assets folder}`, or
    `{"text": ..., "suffix": ...}` for a file written during the check (a filled template, with
    the assets folder written as `{ASSETS}`)."""

    fn: str
    args: list[Any]
    kwargs: dict[str, Any]
    result: Any = None
    files: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, doc: Any, what: str) -> SimCall:
        doc = d.obj(doc, what)
        empty: dict[str, Any] = {}
        files = d.opt(doc, "files", d.obj, what, empty)
        return cls(
            fn=d.field(doc, "fn", d.as_str, what),
            args=d.field(doc, "args", d.list_of(lambda v, w: v, 64), what),
            kwargs=d.field(doc, "kwargs", lambda v, w: d.obj(v, w), what),
            result=doc.get("result"),
            files={str(k): {str(a): d.as_str(b, f"{what}.files.{k}.{a}") for a, b in d.obj(v, f"{what}.files").items()}
                   for k, v in files.items()},
        )


@dataclass
class GoalRecord:
    """One goal as plain data: objects, which targets each may take, how it is measured."""

    objs: list[int]
    matches: list[list[bool]]
    targets: list[Pose]
    replace: bool
    rotations: bool
    metric: str
    share: float
    symmetries: list[float]
    zones: list[tuple[Pose, tuple[float, ...]]] = field(default_factory=list)  # (pose, full size)

    @classmethod
    def from_json(cls, doc: Any, what: str) -> GoalRecord:
        doc = d.obj(doc, what)

        def zone(value: Any, w: str) -> tuple[Pose, tuple[float, ...]]:
            z = d.obj(value, w)
            size = d.field(z, "size", d.list_of(d.as_float, 3), w)
            if not size:
                raise d.DecodeError(f"{w}.size: empty")
            return d.field(z, "pose", d.pose, w), tuple(size)

        goal = cls(
            objs=d.field(doc, "objs", d.list_of(d.as_int, 10_000), what),
            matches=d.field(doc, "matches", d.list_of(d.list_of(d.as_bool, 10_000), 10_000), what),
            targets=d.field(doc, "targets", d.list_of(d.pose, 10_000), what),
            replace=d.field(doc, "replace", d.as_bool, what),
            rotations=d.field(doc, "rotations", d.as_bool, what),
            metric=d.field(doc, "metric", d.as_str, what),
            share=d.field(doc, "share", d.as_float, what),
            symmetries=d.field(doc, "symmetries", d.list_of(d.as_float, 10_000), what),
            zones=d.opt(doc, "zones", d.list_of(zone, 100), what, []),
        )
        if len(goal.matches) != len(goal.objs) or any(len(r) != len(goal.targets) for r in goal.matches):
            raise d.DecodeError(f"{what}.matches: not len(objs) x len(targets)")
        if len(goal.symmetries) != len(goal.objs):
            raise d.DecodeError(f"{what}.symmetries: not one per object")
        return goal

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["zones"] = [{"pose": p, "size": list(s)} for p, s in self.zones]
        return doc


def instruction_problem(text: str) -> str | None:
    """Why `text` (a language goal from the child) cannot be shown or stored as an instruction:
    more than `MAX_INSTRUCTION` characters, or control or unprintable characters; else None."""
    if len(text) > MAX_INSTRUCTION:
        return f"an instruction of {len(text)} characters (at most {MAX_INSTRUCTION})"
    if not text.isprintable():
        return f"an instruction with control or unprintable characters ({ascii(text[:60])})"
    return None


@dataclass
class SceneRecord:
    """The scene one reset built, the task's settings the stock reward needs, and its goals."""

    ee: str  # "suction" | "spatula" (anything else cannot be replayed)
    primitive: dict[str, Any]  # {"kind": "pick_place" | "push", ...its parameters}
    pos_eps: float
    rot_eps: float
    zone_z_max: float
    calls: list[SimCall]
    objects: dict[str, list[int]]  # category -> body ids (the environment's obj_ids)
    goals: list[GoalRecord]
    placed: list[dict[str, Any]] = field(default_factory=list)  # add_object summaries (for people)
    unsupported: list[str] = field(default_factory=list)  # calls the replay cannot rebuild
    # the task's language goals at the end of reset (one is popped per goal reached) and its text
    # once none is left: the instructions a rendering replay shows (`instruction_problem`)
    lang_goals: list[str] = field(default_factory=list)
    done_desc: str = ""

    @classmethod
    def from_json(cls, doc: Any, what: str) -> SceneRecord:
        doc = d.obj(doc, what)
        objects = d.field(doc, "objects", lambda v, w: d.obj(v, w), what)
        return cls(
            ee=d.field(doc, "ee", d.as_str, what),
            primitive=d.field(doc, "primitive", lambda v, w: d.obj(v, w), what),
            pos_eps=d.field(doc, "pos_eps", d.as_float, what),
            rot_eps=d.field(doc, "rot_eps", d.as_float, what),
            zone_z_max=d.field(doc, "zone_z_max", d.as_float, what),
            calls=d.field(doc, "calls", d.list_of(SimCall.from_json, MAX_CALLS), what),
            objects={str(k): d.list_of(d.as_int, 100_000)(v, f"{what}.objects.{k}") for k, v in objects.items()},
            goals=d.field(doc, "goals", d.list_of(GoalRecord.from_json, MAX_GOALS), what),
            placed=d.opt(doc, "placed", d.list_of(lambda v, w: d.obj(v, w), MAX_CALLS), what, []),
            unsupported=d.opt(doc, "unsupported", d.list_of(d.as_str, 1000), what, []),
            lang_goals=d.opt(doc, "lang_goals", d.list_of(d.as_str, MAX_GOALS), what, []),
            done_desc=d.opt(doc, "done_desc", d.as_str, what, ""),
        )

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["goals"] = [g.to_json() for g in self.goals]
        return doc


@dataclass
class EpisodeRecord:
    """One seed: the scene after reset, the expert's actions and the task's own rewards."""

    seed: int
    scene: SceneRecord | None = None  # None when the reset failed
    actions: list[tuple[Pose, Pose]] = field(default_factory=list)  # (pose0, pose1) per action
    task_rewards: list[float] = field(default_factory=list)  # the task's reward() per action
    error_stage: str | None = None  # "reset" | "runtime" when task code raised
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    max_steps: int | None = None  # the task's max_steps after this seed's reset (None: the run's)
    # per action, the world-changing calls task code made in its own `reward()` after it (the
    # reference's palletizing-boxes hands out the next box there); a run of stepSimulation
    # calls is one call with `{"repeat": n}`
    step_calls: list[list[SimCall]] = field(default_factory=list)

    @classmethod
    def from_json(cls, doc: Any, what: str) -> EpisodeRecord:
        doc = d.obj(doc, what)

        def action(value: Any, w: str) -> tuple[Pose, Pose]:
            pair = d.list_of(d.pose, 2)(value, w)
            if len(pair) != 2:
                raise d.DecodeError(f"{w}: an action is [pose0, pose1]")
            return pair[0], pair[1]

        scene = doc.get("scene")
        stage = d.opt(doc, "error_stage", lambda v, w: None if v is None else d.as_str(v, w), what, None)
        if stage not in (None, "reset", "runtime"):
            raise d.DecodeError(f"{what}.error_stage: {stage!r} is not reset or runtime")
        return cls(
            seed=d.field(doc, "seed", d.as_int, what),
            scene=None if scene is None else SceneRecord.from_json(scene, f"{what}.scene"),
            actions=d.opt(doc, "actions", d.list_of(action, MAX_ACTIONS), what, []),
            task_rewards=d.opt(doc, "task_rewards", d.list_of(d.as_float, MAX_ACTIONS), what, []),
            error_stage=stage,
            error=d.opt(doc, "error", lambda v, w: None if v is None else d.as_str(v, w), what, None),
            warnings=d.opt(doc, "warnings", d.list_of(d.as_str, 1000), what, []),
            max_steps=d.opt(doc, "max_steps", lambda v, w: None if v is None else d.as_int(v, w), what, None),
            step_calls=d.opt(doc, "step_calls", d.list_of(d.list_of(SimCall.from_json, MAX_CALLS), MAX_ACTIONS),
                             what, []),
        )

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["scene"] = None if self.scene is None else self.scene.to_json()
        return doc


@dataclass
class RunRecord:
    """Everything the child recorded: the load result and one episode per seed (the first seed
    twice, last, for the determinism stage)."""

    name: str
    max_steps: int = 0
    load_error: str | None = None
    episodes: list[EpisodeRecord] = field(default_factory=list)

    @classmethod
    def from_json(cls, doc: Any) -> RunRecord:
        what = "record"
        doc = d.obj(d.bounded(doc, what), what)
        return cls(
            name=d.field(doc, "name", d.as_str, what),
            max_steps=d.field(doc, "max_steps", d.as_int, what),
            load_error=d.opt(doc, "load_error", lambda v, w: None if v is None else d.as_str(v, w), what, None),
            episodes=d.field(doc, "episodes", d.list_of(EpisodeRecord.from_json, 1000), what),
        )

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "max_steps": self.max_steps, "load_error": self.load_error,
                "episodes": [e.to_json() for e in self.episodes]}
