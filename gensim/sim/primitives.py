"""Motion primitives: pick-and-place with suction and pushing with the spatula.

A primitive is a callable `(env, pose0, pose1) -> bool` that returns True when a motion timed
out (the end effector could not reach a target or found nothing to touch). Poses are
`(xyz, quat_xyzw)`; a bare xyz means identity rotation.

Pick-and-place: approach `height` above the pick pose, descend along the tool axis until contact
(fast until `DESCEND_MARGIN` above the pose, then 1 mm per physics step, checking contact every
step), switch suction on, lift back to the approach pose; if something is held, move `height`
above the place pose, descend until the held object touches something, release, and lift.
`PickPlace(height=0.02, speed=0.001)` is the slow, low variant the convention uses for ropes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gensim.errors import UsageError
from gensim.sim.cameras import quaternion_to_matrix
from gensim.sim.constants import DESCEND_MARGIN, DESCEND_STEP

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

Pose = tuple[tuple[float, float, float], tuple[float, float, float, float]]
IDENTITY = (0.0, 0.0, 0.0, 1.0)
APPROACH_HEIGHT = 0.32  # m above a pick where the tool approaches it, and above a place where it leaves
TRAVEL_SPEED = 0.01  # m per physics step of the usual moves
DESCEND_OVERSHOOT = 0.05  # m below the expected contact before a descent gives up
SUCTION_TURNS = tuple(np.pi * k / 4 for k in (0, 2, -2, 4, 1, -1, 3, -3))  # rad, tried in this order
ARM_DESCEND_STEP = 0.00025  # m per physics step of an arm's last centimetres (0.12 m/s): it stops
# on contact with less overshoot than at the floating tool's `DESCEND_STEP`
ARM_DESCEND_MARGIN = 0.04  # m: an arm's fine descent starts this far above the expected contact (the
# floating tool's `DESCEND_MARGIN` is 2 cm): what a place stacks on is often touched 2-3 cm above
# the expert's pose, and the arm, whose tool lags its target, must be slow by then
REST_SPEED = 0.01  # m/s: the tool counts as at rest after a contact below this speed ...
REST_TOL = 0.0003  # m: ... and back within this of where the contact was ...
REST_STEPS = 96  # ... or after this many physics steps (0.2 s)
APPROACH_STEP = 0.03  # m: `approach` lowers an arm's lift by this much at a time until it reaches
ROPE_SPEED = 0.0005  # m per physics step (0.24 m/s at 480 Hz) of the rope tasks' primitive: the
# reference's `PickPlace(speed=0.001)` counts radians of the arm's joints per step, about this
FLOOR_Z = -0.01  # a vertical descent goes on down to the table (as the reference's) before giving up
CLEARANCE_INSET = 0.1  # share of the box inside its edges where `clearance_below`'s corner rays start


def as_pose(pose: Any) -> Pose:
    """A `(xyz, quat)` tuple of floats from a pose, or a bare xyz (identity rotation)."""
    try:
        if len(pose) == 3 and np.ndim(pose[0]) == 0:
            return (tuple(float(c) for c in pose), IDENTITY)  # type: ignore[return-value]
        pos, orn = pose
        pos_t = tuple(float(c) for c in pos)
        orn_t = tuple(float(c) for c in orn)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"not a pose (xyz, quat_xyzw): {pose!r}") from exc
    if len(pos_t) != 3 or len(orn_t) != 4:
        raise UsageError(f"not a pose (xyz, quat_xyzw): {pose!r}")
    return pos_t, orn_t  # type: ignore[return-value]


def offset_along_tool(pose: Pose, distance: float) -> Pose:
    """`pose` moved by `distance` along its own z axis (up for an identity rotation)."""
    axis = quaternion_to_matrix(pose[1])[:, 2]
    pos = tuple(float(c) for c in np.asarray(pose[0]) + distance * axis)
    return pos, pose[1]  # type: ignore[return-value]


def turn_about_tool(pose: Pose, angle: float) -> Pose:
    """`pose` turned by `angle` (rad) about its own tool (z) axis."""
    x, y, z, w = pose[1]
    s, c = float(np.sin(angle / 2)), float(np.cos(angle / 2))  # q * (0, 0, s, c)
    return pose[0], (x * c + y * s, y * c - x * s, z * c + w * s, w * c - z * s)


def approach(env: Environment, pose: Pose, height: float) -> Pose:
    """`pose` moved `height` up its tool axis: where a primitive approaches and lifts. With an
    arm the lift stops at `gensim.sim.arm.APPROACH_TOP` and, where the arm does not reach that
    high (the far corners of the workspace), `APPROACH_STEP` lower at a time until it does; the
    floating end effector goes the whole `height`."""
    arm = env.require_ee().arm
    if arm is not None:
        axis_z = float(quaternion_to_matrix(pose[1])[2, 2])
        if axis_z > 1e-6:
            height = max(0.0, min(height, (arm.approach_top - pose[0][2]) / axis_z))
        # In the far corners even that is out of reach: come down until the arm gets there.
        while height > APPROACH_STEP and not arm.reaches(offset_along_tool(pose, height)):
            height -= APPROACH_STEP
    return offset_along_tool(pose, height)


def transit(env: Environment, pose: Pose, speed: float) -> bool:
    """Move to `pose` above the scene (an approach or lift pose) -> timed out. The floating end
    effector goes in a straight line (`movep`). The arm moves in joint space to its usual
    posture at `pose` (`Arm.solve_fresh`): a straight line can turn the tool the short way
    round into the limit of the last joint, where IK contorts the arm or swings it to another
    branch; a joint-space move unwinds the wrist instead."""
    ee = env.require_ee()
    if ee.arm is None:
        return env.movep(pose, speed)
    q1 = ee.arm.solve_fresh(pose)
    distance = float(np.linalg.norm(np.subtract(pose[0], ee.target[0])))
    for q in ee.arm.joint_path(q1, int(np.ceil(distance / ee.arm.limit_speed(speed)))):
        ee.arm.set_targets(q)
        env.step_physics()
    ee.target = (tuple(pose[0]), tuple(pose[1]))  # type: ignore[assignment]
    return env.movep(pose, speed)  # the wait for arrival (the target is already there)


def descend(env: Environment, pose: Pose, speed: float) -> bool:
    """Move down the tool axis from the current target until contact; True if none came
    within `DESCEND_OVERSHOOT` below `pose` (for a tool pointing down: before the table). On contact the target is set to where the
    body is, so that it stops pressing."""
    ee = env.require_ee()
    if ee.arm is not None:
        speed = ee.arm.limit_speed(speed)
    start = np.asarray(ee.target[0], float)
    axis = quaternion_to_matrix(pose[1])[:, 2]
    to_pose = float(np.dot(start - np.asarray(pose[0]), axis))  # distance left above `pose`
    limit = to_pose + DESCEND_OVERSHOOT
    if axis[2] > 0.5:  # tool pointing down: like the reference, descend until contact, down to
        # the table (an object placed above where it will rest, e.g. the top of a pyramid whose
        # base is not built yet, lands lower instead of timing the episode out)
        limit = max(limit, float((start[2] - FLOOR_Z) / axis[2]))
        # Slow down near whatever lies below, not only near `pose`: a tower taller than its
        # target is met at the fine step (the reference descends 1 mm at a time all the way).
        to_pose = min(to_pose, clearance_below(env) / axis[2])
    travelled, fine = 0.0, min(speed, DESCEND_STEP if ee.arm is None else ARM_DESCEND_STEP)
    margin = DESCEND_MARGIN if ee.arm is None else ARM_DESCEND_MARGIN
    while travelled < limit:
        travelled += speed if to_pose - travelled > margin else fine
        ee.set_target((tuple(start - travelled * axis), pose[1]))  # type: ignore[arg-type,misc]
        env.step_physics()
        if ee.detect_contact():
            if ee.arm is None:
                ee.set_target(ee.pose())
                return False
            # The arm's tool lags its target, also sideways: stop on the descent's own line at
            # the depth the tool reached, not where the lag left it (see `_come_to_rest`).
            depth = float(np.dot(start - np.asarray(ee.pose()[0]), axis))
            touch = (tuple(start - depth * axis), pose[1])
            ee.set_target(touch)  # type: ignore[arg-type]
            _come_to_rest(env, touch)  # type: ignore[arg-type]
            return False
    return True


def clearance_below(env: Environment) -> float:
    """Vertical distance from the underside of what the tool holds (or of the tool) to the first
    thing below it: rays straight down from the centre and four inset corners of its bounding
    box; the table when nothing else is hit."""
    p, c = env.p, env.client
    ee = env.require_ee()
    held = getattr(ee, "grasped", None)
    body = held if held is not None else ee.body
    (x0, y0, z0), (x1, y1, _) = p.getAABB(body, physicsClientId=c) if held is not None else \
        p.getAABB(ee.body, ee.TIP_LINK, physicsClientId=c)
    dx, dy = (x1 - x0) * CLEARANCE_INSET, (y1 - y0) * CLEARANCE_INSET
    xs = [(x0 + x1) / 2, x0 + dx, x1 - dx, x0 + dx, x1 - dx]
    ys = [(y0 + y1) / 2, y0 + dy, y0 + dy, y1 - dy, y1 - dy]
    start_z = z0 - 1e-4
    starts = [(x, y, start_z) for x, y in zip(xs, ys, strict=True)]
    ends = [(x, y, FLOOR_Z) for x, y in zip(xs, ys, strict=True)]
    hits = p.rayTestBatch(starts, ends, physicsClientId=c)
    top = max((float(h[3][2]) for h in hits if h[0] >= 0 and h[0] not in (body, ee.body)), default=0.0)
    return max(0.0, start_z - top)


def _come_to_rest(env: Environment, touch: Pose) -> None:
    """Hold the tool at `touch` until it moves slower than `REST_SPEED` and is within `REST_TOL`
    of it (at most `REST_STEPS` physics steps). `touch` is the point of the descent's line at
    the depth of the contact: an arm's tool lags its target, by tenths of a millimetre also
    sideways, and carries momentum past the contact. Releasing an object the arm still presses
    into another throws it; releasing it where the lag left it puts it off the expert's pose,
    and an object the expert balances on a narrow support (build-car's body, its centre over
    the edge of the two base blocks) then tips over."""
    ee = env.require_ee()
    for _ in range(REST_STEPS):
        env.step_physics()
        velocity = env.p.getBaseVelocity(ee.body, physicsClientId=env.client)[0]
        offset = np.subtract(ee.pose()[0], touch[0])
        if float(np.dot(velocity, velocity)) < REST_SPEED**2 and float(np.dot(offset, offset)) < REST_TOL**2:
            break


class PickPlace:
    """Suction pick-and-place: `PickPlace(height, speed)(env, pose0, pose1) -> timed_out`.

    `height` (m) is the approach and lift height above the poses; `speed` (m per physics step)
    the travel increment.
    """

    def __init__(self, height: float = APPROACH_HEIGHT, speed: float = TRAVEL_SPEED) -> None:
        self.height = height
        self.speed = speed

    def __call__(self, env: Environment, pose0: Any, pose1: Any) -> bool:
        pick, place = as_pose(pose0), as_pose(pose1)
        ee = env.require_ee()
        over_pick = approach(env, pick, APPROACH_HEIGHT)
        lift = approach(env, pick, self.height)
        over_place = approach(env, place, self.height)
        leave = approach(env, place, APPROACH_HEIGHT)
        if ee.arm is not None:  # the cup is round: both poses may turn together (`Arm.best_turn`)
            turn = ee.arm.best_turn([pick, over_pick, lift, place, over_place, leave], SUCTION_TURNS)
            pick, place = turn_about_tool(pick, turn), turn_about_tool(place, turn)
            over_pick, lift = turn_about_tool(over_pick, turn), turn_about_tool(lift, turn)
            over_place, leave = turn_about_tool(over_place, turn), turn_about_tool(leave, turn)
        # As the reference: the approach, the descent to the pick and the way out after the
        # release are at the usual height and speed; only the carrying part (lift, move, descent
        # to the place) uses this primitive's `height` and `speed`.
        timeout = transit(env, over_pick, TRAVEL_SPEED)
        timeout |= descend(env, pick, TRAVEL_SPEED)
        if timeout:
            ee.release()
            return True
        ee.activate()
        timeout |= env.movep(lift, self.speed)
        if not ee.check_grasp():
            ee.release()
            return timeout
        timeout |= transit(env, over_place, self.speed)
        timeout |= descend(env, place, self.speed)
        ee.release()
        timeout |= env.movep(leave, TRAVEL_SPEED)
        return timeout


def sweep_profile(length: float, speed: float, decel_steps: int) -> np.ndarray:
    """Distances along a sweep, one per physics step: `speed` per step, then slowing down
    linearly to rest over `decel_steps` steps (or fewer when the sweep is short)."""
    ramp = speed * np.arange(decel_steps, 0, -1) / (decel_steps + 1)  # decreasing increments
    ramp = ramp[::-1][np.cumsum(ramp[::-1]) <= length][::-1]  # a short sweep keeps the slow end
    cruise = max(length - float(ramp.sum()), 0.0)
    n_cruise = int(np.ceil(cruise / speed))
    steps = np.concatenate([np.full(n_cruise, cruise / max(n_cruise, 1)), ramp])
    return np.cumsum(steps)


class Push:
    """Spatula push from pose0 to pose1 at table height: `Push()(env, pose0, pose1) -> timed_out`.

    The blade is turned across the push direction, lowered 2 cm behind the start point, swept to
    5 cm short of the end point (so that what it pushes ends near pose1) and lifted to
    `height`. The sweep runs at `push_speed` (m per physics step; 0.48 m/s at 480 Hz) and slows
    down at `decel` (m/s^2, half of what table friction gives a sliding piece), so that the
    pieces it pushes stay against the blade and stop with it instead of sliding on.
    """

    def __init__(
        self, height: float = 0.31, speed: float = 0.01, push_speed: float = 0.001, decel: float = 3.0
    ) -> None:
        self.height = height
        self.speed = speed
        self.push_speed = push_speed
        self.decel = decel
        self.blade_z = 0.003  # m: the blade's bottom edge just clears the table

    def __call__(self, env: Environment, pose0: Any, pose1: Any) -> bool:
        start = np.array(as_pose(pose0)[0][:2], float)
        end = np.array(as_pose(pose1)[0][:2], float)
        vec = end - start
        length = float(np.linalg.norm(vec))
        if length < 1e-6:
            return False
        vec /= length
        start = start - 0.02 * vec
        yaw = float(np.arctan2(vec[1], vec[0]))
        rot = (0.0, 0.0, float(np.sin(yaw / 2)), float(np.cos(yaw / 2)))

        def at(xy: np.ndarray, z: float) -> Pose:
            return (float(xy[0]), float(xy[1]), z), rot

        top = approach(env, at(start, 0.0), self.height)[0][2]  # self.height, or lower with an arm
        arm = env.require_ee().arm
        if arm is not None:  # the blade pushes the same turned half a turn (`Arm.best_turn`)
            poses = [at(start, top), at(start, self.blade_z), at(end - 0.03 * vec, self.blade_z)]
            rot = turn_about_tool(at(start, 0.0), arm.best_turn(poses, (0.0, np.pi)))[1]
        timeout = transit(env, at(start, top), self.speed)
        timeout |= env.movep(at(start, self.blade_z), self.speed)
        decel_steps = int(np.ceil(self.push_speed * env.hz * env.hz / self.decel))
        ee = env.require_ee()
        here = start
        for distance in sweep_profile(length - 0.03, self.push_speed, decel_steps):
            here = start + distance * vec
            ee.set_target(at(here, self.blade_z))
            env.step_physics()
        # The blade may be held back by what it pushes; that is not a failure of the push.
        env.movep(at(here, self.blade_z), self.push_speed)
        timeout |= env.movep(at(here, top), self.speed)
        return timeout


push = Push()
"""The convention's push primitive (an instance: call it as `push(env, pose0, pose1)`)."""
