"""How a goal is measured: "pose" (objects on matched targets) and "zone" (points inside boxes)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gensim.tasks import utils
from gensim.tasks.goals import Goal, Pose, Zone

PoseOf = Callable[[int], Pose]


def yaw_of(quat: tuple[float, ...] | np.ndarray) -> float:
    """The yaw (rotation about world z) in the convention's Euler decomposition."""
    return utils.quatXYZW_to_eulerXYZ(tuple(quat))[2]


def yaw_error(yaw0: float, yaw1: float, symmetry: float) -> float:
    """Absolute yaw difference modulo the symmetry (0 or >= 2*pi: plain angle difference)."""
    diff = abs(yaw0 - yaw1)
    period = symmetry if 0 < symmetry < 2 * np.pi - 1e-6 else 2 * np.pi
    diff = diff % period
    return float(min(diff, period - diff))


def is_match(pose: Pose, target: Pose, symmetry: float, pos_eps: float, rot_eps: float) -> bool:
    """Object within `pos_eps` of the target in xy and, when it has a yaw symmetry (> 0), within
    `rot_eps` of the target's yaw modulo that symmetry.

    Height is not checked. As in the reference, yaw is checked whenever the symmetry is above
    0, whatever the goal's `rotations` says (that flag only tells the expert whether it may
    turn the object).
    """
    dist = float(np.linalg.norm(np.asarray(pose[0][:2], dtype=np.float64) - np.asarray(target[0][:2], dtype=np.float64)))
    if dist >= pos_eps:
        return False
    if symmetry <= 0:
        return True
    return yaw_error(yaw_of(pose[1]), yaw_of(target[1]), symmetry) < rot_eps


def match_table(goal: Goal, pose_of: PoseOf, pos_eps: float, rot_eps: float) -> np.ndarray:
    """`hits[i, j]`: object i is allowed on target j (`matches`) and sits on it (`is_match`)."""
    hits = np.zeros(goal.matches.shape, dtype=bool)
    for i, obj in enumerate(goal.objs):
        pose = pose_of(obj)
        for j in np.flatnonzero(goal.matches[i]):
            hits[i, j] = is_match(pose, goal.targ_poses[j], goal.symmetries[i], pos_eps, rot_eps)
    return hits


def max_assignment(hits: np.ndarray) -> list[int]:
    """For each row, the column it is assigned to (or -1) in a largest assignment of rows to
    distinct columns along True cells (augmenting paths; a goal has at most a few dozen objects)."""
    n_rows, n_cols = hits.shape
    owner = [-1] * n_cols  # column -> row

    def augment(i: int, seen: list[bool]) -> bool:
        for j in np.flatnonzero(hits[i]):
            if seen[j]:
                continue
            seen[j] = True
            if owner[j] < 0 or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(n_rows):
        augment(i, [False] * n_cols)
    assigned = [-1] * n_rows
    for j, i in enumerate(owner):
        if i >= 0:
            assigned[i] = j
    return assigned


def placed_objects(goal: Goal, pose_of: PoseOf, pos_eps: float, rot_eps: float) -> np.ndarray:
    """Which objects of a "pose" goal count as placed.

    With `replace` True an object counts when it sits on any target it may go to; with
    `replace` False each target takes at most one object, and the objects counted are a largest
    set that can sit on distinct targets (so the count does not depend on the objects' order).
    """
    hits = match_table(goal, pose_of, pos_eps, rot_eps)
    if goal.replace:
        return np.asarray(hits.any(axis=1))
    return np.asarray([j >= 0 for j in max_assignment(hits)], dtype=bool)


def pose_step_reward(goal: Goal, pose_of: PoseOf, pos_eps: float, rot_eps: float) -> float:
    """This goal's reward under the "pose" metric: its share times the fraction of objects placed
    (`placed_objects`)."""
    if not goal.objs:
        return goal.step_max_reward
    placed = int(placed_objects(goal, pose_of, pos_eps, rot_eps).sum())
    return goal.step_max_reward * placed / len(goal.objs)


def points_in_zone(points_world: np.ndarray, zone: Zone, z_max: float) -> np.ndarray:
    """Boolean mask of world points (3 x N) inside the zone box (in xy) and below `z_max`."""
    to_zone = utils.invert(zone.pose)
    local = np.asarray(utils.apply(to_zone, points_world), dtype=np.float32).reshape(3, -1)
    half_x, half_y = zone.size[0] / 2, (zone.size[1] if len(zone.size) > 1 else zone.size[0]) / 2
    return (
        (local[0] > -half_x) & (local[0] < half_x)
        & (local[1] > -half_y) & (local[1] < half_y)
        & (np.asarray(points_world, dtype=np.float32).reshape(3, -1)[2] < z_max)
    )


def _zone_hits(goal: Goal, obj: int, pose: Pose, z_max: float) -> np.ndarray:
    pts = goal.object_points.get(obj)
    if pts is None or pts.size == 0:
        pts = np.zeros((3, 1), dtype=np.float32)
    world = np.asarray(utils.apply(pose, pts), dtype=np.float32).reshape(3, -1)
    hit = np.zeros(world.shape[1], dtype=bool)
    for zone in goal.zones:
        hit |= points_in_zone(world, zone, z_max)
    return hit


def zone_fraction(goal: Goal, obj: int, pose: Pose, z_max: float) -> float:
    """Fraction of one object's sample points inside any zone of the goal."""
    return float(_zone_hits(goal, obj, pose, z_max).mean())


def zone_step_reward(goal: Goal, pose_of: PoseOf, z_max: float) -> float:
    """This goal's reward under the "zone" metric: its share times the fraction of object
    points that lie inside any of its zones."""
    inside, total = 0, 0
    for obj in goal.objs:
        hit = _zone_hits(goal, obj, pose_of(obj), z_max)
        inside += int(hit.sum())
        total += hit.size
    if total == 0:
        return goal.step_max_reward
    return goal.step_max_reward * inside / total


def object_in_zone(pose: Pose, zones: list[Zone], z_max: float) -> bool:
    """Whether an object's origin lies inside one of the zones."""
    pt = np.asarray(pose[0], dtype=np.float32).reshape(3, 1)
    return any(bool(points_in_zone(pt, z, z_max)[0]) for z in zones)
