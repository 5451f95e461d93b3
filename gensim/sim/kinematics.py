"""Forward and inverse kinematics of the Franka Panda of `pybullet_data`, in numpy.

`gensim.sim.arm` drives the arm's joint motors with these solutions. PyBullet's own solver
(`calculateInverseKinematics` with a null space) pulls every solution towards one rest pose and
starts from the arm's lagging actual joints: near the base and in the far corners it stopped
centimetres short. This solver starts from the previous solution (so a motion stays on one
branch), pulls the redundant elbow motion towards a rest pose turned to face the target, treats
the joint limits inside the iteration, and restarts from that rest pose when the previous
solution leads nowhere (see `Kinematics.solve`).

The chain (joint origins, the hand's 45 degree turn, the grasp target 10.5 cm beyond the hand)
is the URDF's (`franka_panda/panda.urdf`); `tests/sim/test_sim_kinematics.py` checks it against
PyBullet's forward kinematics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Vector = Sequence[float] | np.ndarray

# (xyz, roll about x) of the joint origins panda_joint1..7 in their parent frames (the URDF's;
# every rotation there is about x, by -pi/2, 0 or pi/2)
_H = np.pi / 2
JOINT_ORIGINS = (
    ((0.0, 0.0, 0.333), 0.0),
    ((0.0, 0.0, 0.0), -_H),
    ((0.0, -0.316, 0.0), _H),
    ((0.0825, 0.0, 0.0), _H),
    ((-0.0825, 0.384, 0.0), -_H),
    ((0.0, 0.0, 0.0), _H),
    ((0.088, 0.0, 0.0), _H),
)
FLANGE_Z = 0.107  # m: panda_joint8 (flange) along link 7's z
HAND_YAW = -np.pi / 4  # rad: panda_hand_joint
GRASP_Z = 0.105  # m: panda_grasptarget along the hand's z

POS_TOL = 1e-4  # m: a solution is converged within this position error ...
ROT_TOL = 1e-3  # rad: ... and this orientation error
DAMPING = 0.02  # of the damped least squares (keeps steps bounded near singularities)
MAX_POS_STEP = 0.05  # m: the position error one iteration tries to remove at most
ROT_WEIGHT = 0.3  # m per rad: orientation error against position error in the iteration
NULL_GAIN = 0.2  # of the pull of the redundant motion towards the rest pose, per iteration
TRACK_STEP = 0.006  # m: `track` extrapolates a solution this far (error about 0.05 mm) ...
TRACK_TURN = 0.03  # rad: ... and this far in rotation


def _transform(xyz: Sequence[float], roll: float) -> np.ndarray:
    c, s = np.cos(roll), np.sin(roll)
    t = np.eye(4)
    t[:3, :3] = ((1, 0, 0), (0, c, -s), (0, s, c))
    t[:3, 3] = xyz
    return t


_EYE6 = np.eye(6)
_WEIGHTS = np.array((1, 1, 1, ROT_WEIGHT, ROT_WEIGHT, ROT_WEIGHT))
_ORIGINS = [_transform(xyz, roll) for xyz, roll in JOINT_ORIGINS]
_TIP = np.eye(4)
_TIP[:3, :3] = ((np.cos(HAND_YAW), -np.sin(HAND_YAW), 0), (np.sin(HAND_YAW), np.cos(HAND_YAW), 0), (0, 0, 1))
_TIP[2, 3] = FLANGE_Z + GRASP_Z


@dataclass(frozen=True)
class Solution:
    """Joint angles (rad, the 7 arm joints) and how far from the target they put the tip
    (position error in m, orientation error in rad)."""

    q: tuple[float, ...]
    pos_error: float
    rot_error: float

    @property
    def converged(self) -> bool:
        """Whether both errors are within `POS_TOL` and `ROT_TOL`."""
        return self.pos_error <= POS_TOL and self.rot_error <= ROT_TOL


def rotation_error(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    """The rotation vector (axis times angle, world frame) that turns `current` into `target`."""
    r = target @ current.T
    cos = np.clip((np.trace(r) - 1) / 2, -1.0, 1.0)
    angle = float(np.arccos(cos))
    axis = np.array((r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]))
    if angle < 1e-9:
        return 0.5 * axis
    if np.pi - angle < 1e-4:  # half a turn: the axis from the symmetric part
        m = (r + np.eye(3)) / 2
        axis = m[:, int(np.argmax(np.diag(m)))]
        return angle * axis / np.linalg.norm(axis)
    return angle * axis / (2 * np.sin(angle))


class Kinematics:
    """The Panda's chain with its base at `base` (unrotated) and joint limits `lower`, `upper`."""

    def __init__(self, base: Sequence[float], lower: Sequence[float], upper: Sequence[float],
                 rest: Sequence[float]) -> None:
        self.base = np.eye(4)
        self.base[:3, 3] = base
        self.lower = np.asarray(lower[:7], float)
        self.upper = np.asarray(upper[:7], float)
        self.rest = np.asarray(rest[:7], float)
        self._inverse: np.ndarray | None = None  # damped inverse Jacobian of the last iteration
        self._anchor: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # for `track`

    def frames(self, q: Vector) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(joint axes (7, 3), joint positions (7, 3), tip transform (4, 4)) in the world."""
        t = self.base
        axes, points = np.empty((7, 3)), np.empty((7, 3))
        cos, sin = np.cos(q[:7]), np.sin(q[:7])
        for i, origin in enumerate(_ORIGINS):
            t = t @ origin
            axes[i], points[i] = t[:3, 2], t[:3, 3]
            x, y = t[:, 0].copy(), t[:, 1]
            t[:, 0] = cos[i] * x + sin[i] * y  # t @ Rz(q_i), written out
            t[:, 1] = cos[i] * y - sin[i] * x
        return axes, points, t @ _TIP

    def tip(self, q: Vector) -> np.ndarray:
        """The grasp-target (tip link) transform (4, 4) for joint angles `q`."""
        return self.frames(q)[2]

    def facing_rest(self, position: Vector) -> np.ndarray:
        """The rest pose turned about the base (joint 1) to face `position`."""
        rest = self.rest.copy()
        rest[0] = np.clip(np.arctan2(position[1] - self.base[1, 3], position[0] - self.base[0, 3]),
                          self.lower[0], self.upper[0])
        return rest

    def iterate(self, target: np.ndarray, seed: Vector, rest: np.ndarray, iterations: int) -> Solution:
        """Damped least squares from `seed` towards the tip transform `target`; the redundant
        motion is pulled towards `rest`; joints at a limit that the step would push beyond it
        are held for that step."""
        q = np.clip(np.asarray(seed, float)[:7], self.lower, self.upper)
        weights = _WEIGHTS
        pos_err = rot_err = np.inf
        self._inverse = None
        for _ in range(iterations + 1):
            axes, points, tip = self.frames(q)
            dp = target[:3, 3] - tip[:3, 3]
            dr = rotation_error(target[:3, :3], tip[:3, :3])
            pos_err, rot_err = float(np.linalg.norm(dp)), float(np.linalg.norm(dr))
            if pos_err <= POS_TOL and rot_err <= ROT_TOL:
                break
            if pos_err > MAX_POS_STEP:
                dp *= MAX_POS_STEP / pos_err
            error = np.concatenate((dp, dr)) * weights
            jac = np.vstack((np.cross(axes, tip[:3, 3] - points).T, axes.T)) * weights[:, None]
            free = np.ones(7, bool)
            for _pass in range(3):
                j = jac * free
                inverse = j.T @ np.linalg.inv(j @ j.T + DAMPING**2 * _EYE6)
                dq = inverse @ error
                # the exact null space of j (right singular vectors beyond its rank): the
                # pull towards `rest` there changes nothing at the tip
                _, sv, vt = np.linalg.svd(j)
                null = vt[int(np.sum(sv > 1e-6)):]
                dq += null.T @ (null @ (NULL_GAIN * (rest - q) * free))
                blocked = ((q <= self.lower) & (dq < 0)) | ((q >= self.upper) & (dq > 0))
                if not np.any(blocked & free):
                    self._inverse = inverse if free.all() else None
                    break
                free &= ~blocked
            q = np.clip(q + dq, self.lower, self.upper)
        return Solution(tuple(float(v) for v in q), pos_err, rot_err)

    def solve(self, target: np.ndarray, seed: Vector, iterations: int = 30) -> Solution:
        """Joint angles within the limits that put the tip at `target` (4x4): iterate from
        `seed` (the previous solution keeps a motion continuous); if that does not converge,
        restart from the rest pose facing the target and keep that if it converges."""
        rest = self.facing_rest(target[:3, 3])
        first = self.iterate(target, seed, rest, iterations)
        if not first.converged:
            # Only a converged restart replaces the continuous solution: the nearest point of an
            # unreachable target on another branch would swing the arm from branch to branch.
            second = self.iterate(target, rest, rest, 3 * iterations)
            if second.converged:
                first = second
        self._anchor = (target, np.array(first.q), self._inverse) if first.converged and self._inverse is not None else None
        return first

    def track(self, target: np.ndarray) -> Solution | None:
        """A first-order update of the last converged `solve` towards `target` (its Jacobian's
        damped inverse times the pose change): for small steps along a motion, at a fraction
        of a solve's cost. None when the change exceeds `TRACK_STEP`/`TRACK_TURN` or the update
        would cross a joint limit: then call `solve`."""
        if self._anchor is None:
            return None
        anchor, q0, inverse = self._anchor
        dp = target[:3, 3] - anchor[:3, 3]
        dr = rotation_error(target[:3, :3], anchor[:3, :3])
        if float(np.dot(dp, dp)) > TRACK_STEP**2 or float(np.dot(dr, dr)) > TRACK_TURN**2:
            return None
        q = q0 + inverse @ (np.concatenate((dp, dr)) * _WEIGHTS)
        if np.any(q < self.lower) or np.any(q > self.upper):
            return None
        return Solution(tuple(float(v) for v in q), 0.0, 0.0)
