"""The shadow reward: the checker's own evaluation of a task's goals, immune to task code patches.

The convention lets a task compute its own reward (`Task.reward()`), so a task that overrides
it, or patches `numpy` or `pybullet` so that the stock reward is fooled, could fake success.
The sandboxed check therefore evaluates the goals a second time, in plain Python, with
functions captured when this module was imported (before any task code ran):
- the goals are copied into plain records right after each reset;
- after every action, the first open goal is measured from object poses read through the real
  `pybullet.getBasePositionAndOrientation` with the environment's client id, with the
  convention's bookkeeping (a goal that reaches its share is closed, progress grows);
- shares that sum to more than one are scaled down, so that an over-weighted goal cannot make
  a partial completion look like success; tolerances are capped (`MAX_POS_EPS`).
An episode succeeds only if this total exceeds 0.99 as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pybullet

MAX_POS_EPS = 0.05  # m: the largest position tolerance of the convention (bowls)
MAX_Z = 0.5  # m: cap of the zone height limit
WORKSPACE = ((0.25, 0.75), (-0.5, 0.5))  # m: x and y range of the table's workspace
TARGET_MARGIN = 0.05  # m: how far outside the workspace a goal target may lie
SUCCESS = 0.99

_get_pose = pybullet.getBasePositionAndOrientation
_atan2, _sqrt, _pi = math.atan2, math.sqrt, math.pi
_float, _int, _bool, _len, _abs, _min, _max = float, int, bool, len, abs, min, max
_tuple, _list, _zip, _range, _sum = tuple, list, zip, range, sum

Vec = tuple[float, float, float]
Quat = tuple[float, float, float, float]
PoseT = tuple[Vec, Quat]


@dataclass(frozen=True)
class GoalRecord:
    """One goal as plain data (copied from the task right after reset)."""

    objs: tuple[int, ...]
    matches: tuple[tuple[bool, ...], ...]
    targets: tuple[PoseT, ...]
    replace: bool
    rotations: bool
    metric: str
    share: float
    symmetries: tuple[float, ...]
    zones: tuple[tuple[PoseT, float, float], ...]  # (pose, half size x, half size y)
    points: tuple[tuple[Vec, ...], ...]  # per object, sample points in its own frame


def _vec(v: Any, n: int) -> tuple[float, ...]:
    out = _tuple(_float(x) for x in v)
    if _len(out) != n:
        raise ValueError(f"expected {n} numbers, got {_len(out)}")
    return out


def _pose(p: Any) -> PoseT:
    return _vec(p[0], 3), _vec(p[1], 4)  # type: ignore[return-value]


def snapshot(goals: Any) -> list[GoalRecord]:
    """Plain copies of the task's goal records (raises on anything that is not a goal)."""
    out = []
    for g in _list(goals):
        objs = _tuple(_int(o) for o in g.objs)
        matches = _tuple(_tuple(_bool(x) for x in row) for row in g.matches)
        points: list[tuple[Vec, ...]] = []
        for o in objs:
            pts = g.object_points.get(o) if g.metric == "zone" else None
            if pts is None or _len(pts) != 3 or _len(pts[0]) == 0:
                points.append(((0.0, 0.0, 0.0),))
            else:
                xs, ys, zs = ([_float(v) for v in row] for row in pts)
                points.append(_tuple(_zip(xs, ys, zs)))
        zones = []
        for z in g.zones:
            size = _tuple(_float(s) for s in z.size)
            zones.append((_pose(z.pose), size[0] / 2, (size[1] if _len(size) > 1 else size[0]) / 2))
        out.append(GoalRecord(
            objs=objs, matches=matches, targets=_tuple(_pose(t) for t in g.targ_poses),
            replace=_bool(g.replace), rotations=_bool(g.rotations), metric=str(g.metric),
            share=_float(g.step_max_reward), symmetries=_tuple(_float(s) for s in g.symmetries),
            zones=_tuple(zones), points=_tuple(points),
        ))
    return out


def rotate(q: Quat, v: Vec) -> Vec:
    """Rotate vector v by the unit quaternion q (xyzw)."""
    x, y, z, w = q
    vx, vy, vz = v
    tx, ty, tz = 2 * (y * vz - z * vy), 2 * (z * vx - x * vz), 2 * (x * vy - y * vx)
    return (vx + w * tx + y * tz - z * ty, vy + w * ty + z * tx - x * tz, vz + w * tz + x * ty - y * tx)


def yaw(q: Quat) -> float:
    """Yaw as the convention's `quatXYZW_to_eulerXYZ(q)[2]`."""
    x, y, z, w = q
    n = _sqrt(x * x + y * y + z * z + w * w) or 1.0
    x, y, z, w = x / n, y / n, z / n, w / n
    return _atan2(2 * (x * y + w * z), 1 - 2 * (x * x + z * z))


def yaw_error(a: float, b: float, symmetry: float) -> float:
    period = symmetry if 0 < symmetry < 2 * _pi - 1e-6 else 2 * _pi
    diff = _abs(a - b) % period
    return _min(diff, period - diff)


class ShadowEpisode:
    """The shadow bookkeeping of one episode (see the module docstring)."""

    def __init__(self, goals: list[GoalRecord], pos_eps: float, rot_eps: float, z_max: float,
                 client: int) -> None:
        self.goals = _list(goals)
        self.pos_eps = _min(_float(pos_eps), MAX_POS_EPS)
        self.rot_eps = _float(rot_eps)
        self.z_max = _min(_float(z_max), MAX_Z)
        self.client = _int(client)
        self.shares = _sum(g.share for g in self.goals)
        self.progress = 0.0
        self.rewards = 0.0
        self.steps = 0
        self.outside = _outside_targets(self.goals)

    def pose_of(self, obj: int) -> PoseT:
        pos, quat = _get_pose(obj, physicsClientId=self.client)
        return _vec(pos, 3), _vec(quat, 4)  # type: ignore[return-value]

    def _match(self, pose: PoseT, target: PoseT, symmetry: float, rotations: bool) -> bool:
        dx, dy = pose[0][0] - target[0][0], pose[0][1] - target[0][1]
        if _sqrt(dx * dx + dy * dy) >= self.pos_eps:
            return False
        if not rotations or symmetry <= 0:
            return True
        return yaw_error(yaw(pose[1]), yaw(target[1]), symmetry) < self.rot_eps

    def _pose_reward(self, g: GoalRecord) -> float:
        if not g.objs:
            return g.share
        taken: set[int] = set()
        placed = 0
        for i, obj in enumerate(g.objs):
            pose = self.pose_of(obj)
            for j in _range(_len(g.targets)):
                if not g.matches[i][j] or (not g.replace and j in taken):
                    continue
                if self._match(pose, g.targets[j], g.symmetries[i], g.rotations):
                    taken.add(j)
                    placed += 1
                    break
        return g.share * placed / _len(g.objs)

    def _zone_reward(self, g: GoalRecord) -> float:
        inside = total = 0
        for obj, pts in _zip(g.objs, g.points):
            pos, quat = self.pose_of(obj)
            for p in pts:
                r = rotate(quat, p)
                w = (r[0] + pos[0], r[1] + pos[1], r[2] + pos[2])
                total += 1
                for (zpos, zquat), hx, hy in g.zones:
                    inv = (-zquat[0], -zquat[1], -zquat[2], zquat[3])
                    local = rotate(inv, (w[0] - zpos[0], w[1] - zpos[1], w[2] - zpos[2]))
                    if -hx < local[0] < hx and -hy < local[1] < hy and w[2] < self.z_max:
                        inside += 1
                        break
        return g.share if total == 0 else g.share * inside / total

    def update(self) -> float:
        """Measure after one action, like `Task.reward()`; returns the reward delta."""
        self.steps += 1
        if not self.goals:
            return 0.0
        g = self.goals[0]
        step = self._zone_reward(g) if g.metric == "zone" else self._pose_reward(g)
        delta = self.progress + step - self.rewards
        self.rewards = self.progress + step
        if _abs(g.share - step) < 0.01:
            self.progress += g.share
            self.goals.pop(0)
        return delta

    @property
    def total(self) -> float:
        """The episode's total reward, with over-weighted shares scaled down to sum to one."""
        return self.rewards / _max(1.0, self.shares)


def _outside_targets(goals: list[GoalRecord]) -> list[tuple[float, float]]:
    """The xy of goal targets and zone centres that lie off the table's workspace."""
    (x0, x1), (y0, y1) = WORKSPACE
    m = TARGET_MARGIN
    found = []
    for g in goals:
        for pos in [t[0] for t in g.targets] + [z[0][0] for z in g.zones]:
            if not (x0 - m <= pos[0] <= x1 + m and y0 - m <= pos[1] <= y1 + m):
                found.append((round(pos[0], 3), round(pos[1], 3)))
    return found
