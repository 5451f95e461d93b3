"""Typed goal records behind the convention's `Task.add_goal` (no positional tuples inside).

A goal is one step of a task: which objects must reach which targets, how it is measured
("pose" or "zone") and what share of the total reward it is worth. `normalize_*` helpers turn
the loose inputs that task code passes (bare xyz, lists, `(id, (symmetry, None))` pairs) into
these records, and report every rescue as a warning string.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Vec3 = tuple[float, float, float]
Quat = tuple[float, float, float, float]
Pose = tuple[Vec3, Quat]

IDENTITY_QUAT: Quat = (0.0, 0.0, 0.0, 1.0)
METRICS = ("pose", "zone")


@dataclass(frozen=True)
class Zone:
    """A box region: its pose (centre, rotation) and its full size in metres (x, y[, z])."""

    pose: Pose
    size: tuple[float, ...]


@dataclass
class Goal:
    """One goal step of a task, as recorded by `Task.add_goal`.

    `matches[i, j]` says whether object `objs[i]` may go to target `targ_poses[j]`;
    `symmetries[i]` is the yaw symmetry of object i in radians (0: yaw not checked).
    For the "zone" metric, `zones` lists the regions and `object_points` the sample points of
    each object in its own frame (3 x N), used to measure the fraction inside a zone.
    """

    objs: list[int]
    matches: np.ndarray
    targ_poses: list[Pose]
    replace: bool
    rotations: bool
    metric: str
    step_max_reward: float
    symmetries: list[float]
    zones: list[Zone] = field(default_factory=list)
    object_points: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    language_goal: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown **kwargs of add_goal

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"add_goal: metric must be one of {METRICS}, got {self.metric!r}")
        shape = (len(self.objs), len(self.targ_poses))
        if self.matches.shape != shape:
            raise ValueError(
                f"add_goal: matches has shape {self.matches.shape}, expected "
                f"{shape} (len(objs) x len(targ_poses))"
            )
        if len(self.symmetries) != len(self.objs):
            raise ValueError(
                f"add_goal: {len(self.symmetries)} symmetries for {len(self.objs)} objects"
            )
        if self.metric == "zone" and not self.zones:
            raise ValueError("add_goal: metric 'zone' needs params=[(zone_pose, zone_size)]")


@dataclass
class GoalSource:
    """What `add_goal` was given, kept as the reference keeps it: the caller's own target list,
    match matrix and zone list (task code may change them after the call), the object list
    itself only when it holds `(id, (symmetry, None))` pairs (the reference copies a list of
    plain ids), and a copy of the symmetries."""

    objs: Any
    matches: Any
    targ_poses: Any
    metric: str
    params: Any
    symmetries: Any

    @classmethod
    def keep(cls, objs: Any, matches: Any, targ_poses: Any, metric: str, params: Any,
             symmetries: Any) -> GoalSource:
        paired = isinstance(objs, list) and len(objs) > 0 and type(objs[0]) is tuple
        if not paired and isinstance(objs, (list, tuple, np.ndarray)):
            objs = list(objs)
        if isinstance(symmetries, (list, tuple, np.ndarray)):
            symmetries = list(symmetries)
        return cls(objs, matches, targ_poses, str(metric), params, symmetries)


def same_goal(a: Goal, b: Goal) -> bool:
    """Whether two goals have the same objects, matches, targets, symmetries and zones."""
    return (a.objs == b.objs and a.matches.shape == b.matches.shape and bool(np.array_equal(a.matches, b.matches))
            and a.targ_poses == b.targ_poses and a.symmetries == b.symmetries and a.zones == b.zones)


def is_number_seq(value: Any, length: int | None = None) -> bool:
    """True for a flat sequence (or 1-D array) of numbers, optionally of a given length."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return arr.ndim == 1 and (length is None or arr.shape[0] == length)


def normalize_pose(value: Any, what: str, warnings: list[str]) -> Pose:
    """A pose as `((x, y, z), (qx, qy, qz, qw))`; a bare xyz gets the identity rotation."""
    if is_number_seq(value, 3):
        xyz = tuple(float(v) for v in np.asarray(value, dtype=float))
        warnings.append(f"{what}: a bare xyz was used as a pose (identity rotation)")
        return (xyz, IDENTITY_QUAT)  # type: ignore[return-value]
    try:
        pos, rot = value
    except (TypeError, ValueError):
        raise ValueError(f"{what}: expected a pose (xyz, quat_xyzw), got {value!r}") from None
    if not is_number_seq(pos, 3):
        raise ValueError(f"{what}: pose position must be 3 numbers, got {pos!r}")
    if rot is None:
        rot = IDENTITY_QUAT
    if is_number_seq(rot, 3):
        from gensim.tasks.utils import eulerXYZ_to_quatXYZW

        warnings.append(f"{what}: 3-number rotation {tuple(rot)} read as Euler angles")
        rot = eulerXYZ_to_quatXYZW(rot)
    if not is_number_seq(rot, 4):
        raise ValueError(f"{what}: pose rotation must be a quaternion xyzw, got {rot!r}")
    xyz = tuple(float(v) for v in np.asarray(pos, dtype=float))
    quat = tuple(float(v) for v in np.asarray(rot, dtype=float))
    return (xyz, quat)  # type: ignore[return-value]


def normalize_objects(objs: Any, symmetries: Any) -> tuple[list[int], list[float]]:
    """Object ids and one yaw symmetry each.

    Accepts plain ids or the older `(id, (symmetry, None))` pairs; a missing `symmetries`
    means 0 (yaw not checked) unless the pairs carry one.
    """
    if isinstance(objs, (int, np.integer)):
        objs = [objs]
    ids: list[int] = []
    paired: list[float | None] = []
    for item in objs:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            obj_id, sym = item
            if isinstance(sym, (tuple, list)):
                sym = sym[0]
            ids.append(int(obj_id))
            paired.append(None if sym is None else float(sym))
        else:
            ids.append(int(item))
            paired.append(None)
    if symmetries is None:
        syms = [s if s is not None else 0.0 for s in paired]
    else:
        if isinstance(symmetries, (int, float, np.number)):
            symmetries = [symmetries] * len(ids)
        syms = [float(s) for s in symmetries]
    return ids, syms


def normalize_matches(matches: Any, n_objs: int, n_targs: int, warnings: list[str] | None = None) -> np.ndarray:
    """The match matrix as a boolean array; a flat vector fits a single object or target.

    A 2-D matrix of another shape than objects x targets is used as the reference uses it:
    rows past the last object and columns past the last target are never read there, so they
    are dropped; a missing row or column (an object or target the reference cannot match) is
    all False. Either way with a warning.
    """
    arr = np.asarray(matches)
    if arr.ndim == 1 and n_objs == 1 and arr.shape[0] == n_targs:
        arr = arr.reshape(1, n_targs)
    elif arr.ndim == 1 and n_targs == 1 and arr.shape[0] == n_objs:
        arr = arr.reshape(n_objs, 1)
    elif arr.ndim == 0:
        arr = np.full((n_objs, n_targs), bool(arr))
    if arr.ndim == 2 and arr.shape != (n_objs, n_targs):
        fitted = np.zeros((n_objs, n_targs), dtype=bool)
        rows, cols = min(n_objs, arr.shape[0]), min(n_targs, arr.shape[1])
        fitted[:rows, :cols] = arr[:rows, :cols].astype(bool)
        if warnings is not None:
            warnings.append(f"add_goal: matches has shape {arr.shape} for {n_objs} objects x {n_targs} "
                            "targets; cut or padded with False to fit")
        arr = fitted
    return arr.astype(bool)


def normalize_zones(params: Any, warnings: list[str]) -> list[Zone]:
    """`params` of a "zone" goal: `[(zone_pose, zone_size), ...]` (a single pair is accepted)."""
    if params is None:
        return []
    items = list(params)
    if len(items) == 2 and is_number_seq(items[1]) and _looks_like_pose(items[0]):
        items = [tuple(items)]  # a single (zone_pose, zone_size) pair
    zones = []
    for k, item in enumerate(items):
        try:
            zone_pose, zone_size = item
        except (TypeError, ValueError):
            raise ValueError(f"add_goal: zone {k} must be (zone_pose, zone_size), got {item!r}") from None
        if not is_number_seq(zone_size):
            raise ValueError(f"add_goal: zone {k} size must be numbers, got {zone_size!r}")
        pose = normalize_pose(zone_pose, f"zone {k}", warnings)
        zones.append(Zone(pose, tuple(float(s) for s in np.asarray(zone_size, dtype=float))))
    return zones


def _looks_like_pose(value: Any) -> bool:
    if is_number_seq(value, 3):
        return True
    try:
        pos, rot = value
    except (TypeError, ValueError):
        return False
    return is_number_seq(pos, 3) and (rot is None or is_number_seq(rot))


def language_goals(value: str | Sequence[str] | None) -> list[str]:
    """A language goal argument as a list: a string is one goal, a list is several."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def target_list(targ_poses: Any, what: str, warnings: list[str]) -> list[Pose]:
    """Target poses as a list; a single pose `(xyz, quat)` or a bare xyz is one target."""
    single = is_number_seq(targ_poses, 3) or (
        isinstance(targ_poses, (list, tuple))
        and len(targ_poses) == 2
        and is_number_seq(targ_poses[0], 3)
        and (targ_poses[1] is None or is_number_seq(targ_poses[1], 4))
    )
    if single:
        return [normalize_pose(targ_poses, what, warnings)]
    return [normalize_pose(t, f"{what} {j}", warnings) for j, t in enumerate(targ_poses)]
