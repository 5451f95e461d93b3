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


def is_match(
    pose: Pose, target: Pose, symmetry: float, pos_eps: float, rot_eps: float, check_yaw: bool
) -> bool:
    """Object within `pos_eps` of the target in xy, and (if checked) within `rot_eps` in yaw.

    Height is not checked. Yaw is checked only when the goal asks for rotations and the object
    has a symmetry (> 0).
    """
    dist = float(np.linalg.norm(np.asarray(pose[0][:2], dtype=np.float64) - np.asarray(target[0][:2], dtype=np.float64)))
    if dist >= pos_eps:
        return False
    if not check_yaw or symmetry <= 0:
        return True
    return yaw_error(yaw_of(pose[1]), yaw_of(target[1]), symmetry) < rot_eps


def matched_objects(goal: Goal, pose_of: PoseOf, pos_eps: float, rot_eps: float) -> list[int]:
    """For each object, the index of a matched target it sits on, or -1."""
    out = []
    for i, obj in enumerate(goal.objs):
        pose = pose_of(obj)
        hit = -1
        for j in np.flatnonzero(goal.matches[i]):
            if is_match(pose, goal.targ_poses[j], goal.symmetries[i], pos_eps, rot_eps, goal.rotations):
                hit = int(j)
                break
        out.append(hit)
    return out


def pose_step_reward(goal: Goal, pose_of: PoseOf, pos_eps: float, rot_eps: float) -> float:
    """This goal's reward under the "pose" metric: its share times the fraction of objects placed.

    When `replace` is False a target counts for at most one object.
    """
    if not goal.objs:
        return goal.step_max_reward
    taken: set[int] = set()
    placed = 0
    for i, obj in enumerate(goal.objs):
        pose = pose_of(obj)
        for j in np.flatnonzero(goal.matches[i]):
            if not goal.replace and int(j) in taken:
                continue
            if is_match(pose, goal.targ_poses[j], goal.symmetries[i], pos_eps, rot_eps, goal.rotations):
                taken.add(int(j))
                placed += 1
                break
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
