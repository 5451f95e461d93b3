"""A simulated arm (Franka Panda from `pybullet_data`) that carries gensim's suction cup or spatula.

With `Environment(robot="panda")` the end effector is no longer pulled by a free constraint to
the world: it is fixed to the arm's grasp-target link (`TOOL_OFFSET` below it) and the arm moves
it. `Gripper.set_target(pose)` then asks `Arm.command(pose)`, which solves inverse kinematics for
the tip link (`gensim.sim.kinematics`: from the previous solution, within the joint limits less
`LIMIT_MARGINS`, a first-order update for the small steps of a motion) and sets the joint
position motors; the physics steps of the primitive move the arm. The primitives approach from
above and lift to a safe height (`PickPlace.height`, `Push.height`; with the arm at most
`APPROACH_TOP`, see `primitives.approach`) before every lateral move, so the arm never sweeps
through the scene at table height. Moves to those safe poses go in joint space
(`primitives.transit`), and a primitive may turn its tool poses together about the tool axis
where the last joint's range would not give the task's yaw (`Arm.best_turn`).

Per-step state API (for recorders; see `Environment.robot_state` and
`Environment.set_control_hook`): `RobotState` holds the joint positions and velocities (rad,
rad/s, the 7 arm joints; empty for the floating end effector), the last commanded joint
targets, the end-effector (tool point) pose, and the tool state (suction on, object held).

Cameras: the arm and tool appear in the three perspective views (`render_camera`) and in
human-facing renders; the top-down policy observation hides them, as it hides the floating
end effector.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gensim.errors import UsageError
from gensim.sim.kinematics import Kinematics, Solution
from gensim.sim.robots import ROBOTS as ROBOTS  # named there, light to import; re-exported
from gensim.sim.robots import check_robot as check_robot

if TYPE_CHECKING:
    from gensim.sim.environment import Environment
    from gensim.sim.grippers import Gripper

Pose = tuple[tuple[float, float, float], tuple[float, float, float, float]]

PANDA_URDF = "franka_panda/panda.urdf"  # relative to pybullet_data
PANDA_BASE = (0.06, 0.0, 0.0)  # m: base position (the workspace is x 0.25..0.75, y -0.5..0.5):
# closer, the elbow cannot fold enough for the near edge; further, the far corners are lost
# (x 0.0 .. 0.12 tried on the built-in experts' poses; see BENCHMARKS.md)
PANDA_ARM_JOINTS = 7
PANDA_TIP_LINK = 11  # panda_grasptarget: between the fingertips, z out of the hand
PANDA_REST = (0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.785)  # rad: a top-down pose over the workspace
TOOL_OFFSET = 0.10  # m: the tool point (cup tip, blade edge) lies this far along the tip link's z
FLIP = (1.0, 0.0, 0.0, 0.0)  # tip-link frame relative to the tool frame (z reversed)
JOINT_FORCE_SCALE = (2.0, 2.0, 2.0, 2.0, 8.0, 8.0, 8.0)  # x the URDF effort limits (87 Nm, 12 Nm): the
# motors of this sim arm carry the tool; at 2x the wrist saturates and oscillates when the elbow is folded
POSITION_GAIN = 0.3  # of the position motors (Bullet's default is 0.1: too soft to track)
LIMIT_MARGINS = (0.05, 0.05, 0.05, 0.02, 0.05, 0.05, 0.05)  # rad: IK keeps this far inside each joint's
# limits (at a limit, the joint motors and the limit constraint together make the wrist oscillate);
# the elbow (joint 4, 87 Nm) holds steady nearer its limit, and the 3 cm it gains there reach the
# near edge of the workspace (a pyramid's pick 22 cm from the base needs the elbow 0.03 rad from it)
APPROACH_TOP = 0.30  # m: primitives approach and lift the tool at most this high with the arm
TURN_MARGIN = 0.5  # rad: `best_turn` keeps a primitive's own tool yaw with the last joint this far inside
TRANSIT_JOINT_STEP = 0.003  # rad per physics step (1.4 rad/s) of a joint-space transit (`primitives.transit`)
IK_ITERATIONS = 30  # per solve from the previous solution (a restart from the rest pose gets 3x)
MAX_TOOL_STEP = 0.002  # m per physics step (0.96 m/s at 480 Hz): the fastest the arm moves the tool


@dataclass(frozen=True)
class RobotState:
    """One sample of the robot, taken between physics steps (all SI: rad, rad/s, m, quat xyzw).

    `joint_positions`, `joint_velocities`, `joint_targets`: the arm's joints (empty for
    `robot="none"`); `joint_targets` are the last commanded position-motor targets.
    `ee_pose`: the tool point's actual pose. `suction_on`: the tool is switched on;
    `holding`: it holds an object. `sim_step`: physics steps since reset; `time_s` the same in
    simulated seconds.
    """

    robot: str
    joint_positions: tuple[float, ...]
    joint_velocities: tuple[float, ...]
    joint_targets: tuple[float, ...]
    ee_pose: Pose
    suction_on: bool
    holding: bool
    sim_step: int
    time_s: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields."""
        return asdict(self)


class Arm:
    """A fixed-base Panda whose tip link carries `gripper` (see the module docstring)."""

    name = "panda"
    approach_top = APPROACH_TOP

    def __init__(self, env: Environment, gripper: Gripper, base: tuple[float, float, float] = PANDA_BASE) -> None:
        import pybullet_data

        self.env, self.p, self.client = env, env.p, env.client
        p, c = self.p, self.client
        self.body: int = p.loadURDF(
            f"{pybullet_data.getDataPath()}/{PANDA_URDF}", base, (0, 0, 0, 1), useFixedBase=True,
            flags=p.URDF_USE_SELF_COLLISION_EXCLUDE_PARENT, physicsClientId=c,
        )
        n = p.getNumJoints(self.body, physicsClientId=c)
        infos = [p.getJointInfo(self.body, j, physicsClientId=c) for j in range(n)]
        self.movable = [j for j in range(n) if infos[j][2] != p.JOINT_FIXED]  # arm + 2 fingers
        self.arm_joints = self.movable[:PANDA_ARM_JOINTS]
        self.lower = [float(infos[j][8]) for j in self.movable]
        self.upper = [float(infos[j][9]) for j in self.movable]
        self.forces = [k * float(infos[j][10]) for k, j in zip(JOINT_FORCE_SCALE, self.arm_joints, strict=True)]
        self.rest = [*PANDA_REST, 0.01, 0.01]  # fingers nearly closed, out of the cup's way
        for j, q in zip(self.movable, self.rest, strict=True):
            p.resetJointState(self.body, j, q, physicsClientId=c)
        p.setJointMotorControlArray(
            self.body, self.movable[PANDA_ARM_JOINTS:], p.POSITION_CONTROL, targetPositions=self.rest[7:],
            physicsClientId=c,
        )
        self.targets: tuple[float, ...] = tuple(PANDA_REST)
        self.kinematics = Kinematics(
            base, [v + m for v, m in zip(self.lower, LIMIT_MARGINS, strict=False)],
            [v - m for v, m in zip(self.upper, LIMIT_MARGINS, strict=False)], PANDA_REST
        )
        self.last_solution: Solution | None = None  # of the last `solve` (its errors say how well)
        self.gripper = gripper
        self._attach(gripper)
        self.command(gripper.target)
        self._motors()

    def _attach(self, gripper: Gripper) -> None:
        """Replace the gripper's world drive by a fixed joint to the tip link; put it there."""
        p, c = self.p, self.client
        p.removeConstraint(gripper.drive, physicsClientId=c)
        tip_pos, tip_orn = p.getLinkState(self.body, PANDA_TIP_LINK, physicsClientId=c)[4:6]
        pos, orn = p.multiplyTransforms(tip_pos, tip_orn, (0, 0, TOOL_OFFSET), FLIP, physicsClientId=c)
        p.resetBasePositionAndOrientation(gripper.body, pos, orn, physicsClientId=c)
        self.mount = p.createConstraint(
            self.body, PANDA_TIP_LINK, gripper.body, -1, p.JOINT_FIXED, (0, 0, 0), (0, 0, TOOL_OFFSET), (0, 0, 0),
            parentFrameOrientation=FLIP, physicsClientId=c,
        )
        p.changeConstraint(self.mount, maxForce=5000.0, physicsClientId=c)
        for link in range(-1, p.getNumJoints(self.body, physicsClientId=c)):
            for glink in range(-1, p.getNumJoints(gripper.body, physicsClientId=c)):
                p.setCollisionFilterPair(self.body, gripper.body, link, glink, 0, physicsClientId=c)
        gripper.target = (tuple(pos), tuple(orn))  # type: ignore[assignment]
        gripper.arm = self

    def tip_pose_for(self, pose: Pose) -> Pose:
        """The tip-link pose that puts the tool point at `pose`."""
        p, c = self.p, self.client
        pos, orn = p.multiplyTransforms(pose[0], pose[1], (0, 0, 0), FLIP, physicsClientId=c)
        pos = tuple(np.asarray(pos) - TOOL_OFFSET * _z_axis(orn))
        return pos, tuple(orn)  # type: ignore[return-value]

    def _target(self, pose: Pose) -> np.ndarray:
        pos, orn = self.tip_pose_for(pose)
        target = np.eye(4)
        target[:3, :3] = np.reshape(self.p.getMatrixFromQuaternion(orn, physicsClientId=self.client), (3, 3))
        target[:3, 3] = pos
        return target

    def best_turn(self, poses: list[Pose], turns: tuple[float, ...]) -> float:
        """Of `turns` (rad about each pose's tool axis, the first preferred), one for which IK
        reaches every pose with the last joint (which turns the tool) farthest from its limits.

        The suction cup is round and the spatula's blade the same both ways round, so turning
        all the poses of one primitive together changes nothing of what it does to the objects;
        but the last joint only turns 5.9 rad, so some tool yaws are out of reach at some places.
        The first turn is kept while its margin is at least `TURN_MARGIN`."""
        kin, best, best_margin = self.kinematics, turns[0], -np.inf
        for turn in turns:
            spin = np.eye(4)
            spin[:2, :2] = ((np.cos(turn), np.sin(turn)), (-np.sin(turn), np.cos(turn)))  # tip z is reversed
            margin = np.inf
            for pose in poses:
                target = self._target(pose) @ spin
                rest = kin.facing_rest(target[:3, 3])
                solution = kin.iterate(target, rest, rest, 3 * IK_ITERATIONS)
                q7 = solution.q[6]
                margin = min(margin, q7 - kin.lower[6], kin.upper[6] - q7) if solution.converged else -np.inf
            if margin >= TURN_MARGIN and turn == turns[0]:
                return turn
            if margin > best_margin:
                best, best_margin = turn, margin
        return best

    def limit_speed(self, speed: float) -> float:
        """A primitive's travel per physics step, capped at what the arm tracks (`MAX_TOOL_STEP`)."""
        return min(speed, MAX_TOOL_STEP)

    def solve(self, pose: Pose, seed: tuple[float, ...] | None = None) -> tuple[float, ...]:
        """Joint angles (7) within the joint limits that put the tool point at `pose`, or as
        near as the arm gets (`gensim.sim.kinematics`), solved from `seed` (default: the last
        commanded targets, so that a motion stays continuous)."""
        target = self._target(pose)
        tracked = self.kinematics.track(target) if seed is None else None
        if tracked is not None:
            return tracked.q
        self.last_solution = self.kinematics.solve(target, self.targets if seed is None else seed, IK_ITERATIONS)
        return self.last_solution.q

    def reaches(self, pose: Pose) -> bool:
        """Whether IK from the rest pose facing `pose` converges there (no motion, no state)."""
        target = self._target(pose)
        rest = self.kinematics.facing_rest(target[:3, 3])
        return self.kinematics.iterate(target, rest, rest, 3 * IK_ITERATIONS).converged

    def solve_fresh(self, pose: Pose) -> tuple[float, ...]:
        """Joint angles for `pose` solved from the rest pose facing it (not from the last
        solution): the arm's usual posture there, as `best_turn` assumes."""
        target = self._target(pose)
        return self.solve(pose, tuple(self.kinematics.facing_rest(target[:3, 3])))

    def joint_path(self, q1: tuple[float, ...], min_steps: int) -> list[tuple[float, ...]]:
        """Joint targets from the last commanded ones to `q1`, one per physics step, each joint
        moving at most `TRANSIT_JOINT_STEP` per step (and in no fewer than `min_steps` steps)."""
        q0, q1_ = np.array(self.targets), np.array(q1)
        n = max(min_steps, int(np.ceil(float(np.max(np.abs(q1_ - q0))) / TRANSIT_JOINT_STEP)), 1)
        return [tuple(float(v) for v in q0 + (k / n) * (q1_ - q0)) for k in range(1, n + 1)]

    def set_targets(self, q: tuple[float, ...]) -> None:
        """Set the arm's position-motor targets to joint angles `q` directly."""
        self.targets = q
        self._motors()

    def command(self, pose: Pose) -> None:
        """Solve IK for `pose` and set the arm's position-motor targets (physics moves it)."""
        self.targets = self.solve(pose)
        self._motors()

    def _motors(self) -> None:
        self.p.setJointMotorControlArray(
            self.body, self.arm_joints, self.p.POSITION_CONTROL, targetPositions=self.targets,
            forces=self.forces, positionGains=[POSITION_GAIN] * len(self.arm_joints), physicsClientId=self.client,
        )

    def joint_states(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(positions, velocities) of the 7 arm joints."""
        states = self.p.getJointStates(self.body, self.arm_joints, physicsClientId=self.client)
        return tuple(float(s[0]) for s in states), tuple(float(s[1]) for s in states)

    def set_joints(self, q: tuple[float, ...]) -> None:
        """Teleport the arm to joint angles `q` at rest (for reach measurement and tests)."""
        for j, v in zip(self.arm_joints, q, strict=True):
            self.p.resetJointState(self.body, j, v, physicsClientId=self.client)

    def tool_pose_fk(self) -> Pose:
        """The tool-point pose the arm's current joint angles give (forward kinematics)."""
        p, c = self.p, self.client
        tip_pos, tip_orn = p.getLinkState(self.body, PANDA_TIP_LINK, computeForwardKinematics=True, physicsClientId=c)[4:6]
        pos, orn = p.multiplyTransforms(tip_pos, tip_orn, (0, 0, TOOL_OFFSET), FLIP, physicsClientId=c)
        return tuple(pos), tuple(orn)  # type: ignore[return-value]

    def reach_error(self, pose: Pose) -> float:
        """Distance (m) between `pose` and where the IK solution (from the arm's current joints)
        puts the tool by PyBullet's forward kinematics; leaves the arm there, at rest."""
        self.set_joints(self.solve(pose, self.joint_states()[0]))
        return float(np.linalg.norm(np.subtract(self.tool_pose_fk()[0], pose[0])))


def _z_axis(quat: Any) -> np.ndarray:
    x, y, z, w = quat
    return np.array([2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)])


def measure_reach(env: Environment, step: float = 0.05, heights: tuple[float, ...] = (0.02, 0.15, 0.3),
                  tol: float = 0.005) -> dict[str, Any]:
    """Share of workspace grid points (x, y every `step` m, at `heights`, tool pointing down)
    that IK reaches within `tol`; needs an environment reset with `robot != "none"`."""
    from gensim.sim.constants import BOUNDS

    arm = getattr(env.require_ee(), "arm", None)
    if arm is None:
        raise UsageError("measure_reach needs an environment with an arm (robot='panda')")
    xs = np.arange(BOUNDS[0][0], BOUNDS[0][1] + 1e-9, step)
    ys = np.arange(BOUNDS[1][0], BOUNDS[1][1] + 1e-9, step)
    errors, missed = [], []
    for z in heights:
        for x in xs:
            for y in ys:
                arm.set_joints(tuple(PANDA_REST))
                err = arm.reach_error(((float(x), float(y), z), (0.0, 0.0, 0.0, 1.0)))
                errors.append(err)
                if err > tol:
                    missed.append((round(float(x), 3), round(float(y), 3), z))
    arm.set_joints(tuple(PANDA_REST))
    ok = sum(e <= tol for e in errors)
    return {"points": len(errors), "reached": ok, "share": ok / len(errors), "tol_m": tol,
            "median_error_m": float(np.median(errors)), "missed": missed}
