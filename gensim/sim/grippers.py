"""End effectors: a floating suction cup and a floating spatula.

There is no arm model: the end effector is a free body held by a fixed constraint to the world
whose target pose moves and whose force is capped (`EE_MAX_FORCE`). Contacts are therefore
physical (the cup is blocked by what it touches and pushes what is in its way), while a step
costs a few bodies instead of a six-joint arm and its inverse kinematics; the motion primitives
(approach, descend until contact, grasp, lift, move, descend, release) are the same as with an
arm. The body frame is the tool point (the centre of the cup's tip, the bottom edge of the
blade) and the identity orientation points the tool straight down.

Suction grasps the rigid object that touches the tip by adding a fixed constraint between the
tip and that object (rope segments are small rigid spheres, so they can be grasped too);
`release` removes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gensim.sim.constants import EE_MAX_FORCE, HOME_POSITION
from gensim.sim.render import Visibility

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

Pose = tuple[tuple[float, float, float], tuple[float, float, float, float]]
IDENTITY = (0.0, 0.0, 0.0, 1.0)


class Gripper:
    """A floating end-effector body driven by a force-capped constraint. Subclasses set `URDF`."""

    URDF = ""  # path relative to the assets root
    TIP_LINK = 0  # the link whose contacts count as touching

    def __init__(self, env: Environment, home: Any = HOME_POSITION) -> None:
        self.env = env
        self.p = env.p
        self.client = env.client
        pos = tuple(float(c) for c in home)
        self.body: int = self.p.loadURDF(
            f"{env.assets_root}/{self.URDF}", pos, IDENTITY, physicsClientId=self.client
        )
        self.drive: int = self.p.createConstraint(
            self.body, -1, -1, -1, self.p.JOINT_FIXED, (0, 0, 0), (0, 0, 0), pos,
            childFrameOrientation=IDENTITY, physicsClientId=self.client,
        )
        self.target: Pose = (pos, IDENTITY)  # type: ignore[assignment]
        self.arm: Any = None  # a `gensim.sim.arm.Arm` carrying this tool, if any (robot != "none")
        self.set_target(self.target)
        self.visibility = Visibility(self.p, self.client, self.body)

    def set_target(self, pose: Pose) -> None:
        """Move the drive constraint's target; the body follows within the force cap."""
        pos, orn = pose
        self.target = (tuple(pos), tuple(orn))  # type: ignore[assignment]
        if self.arm is not None:  # carried by an arm: its joints move the tool (IK)
            self.arm.command(self.target)
            return
        self.p.changeConstraint(
            self.drive, jointChildPivot=pos, jointChildFrameOrientation=orn, maxForce=EE_MAX_FORCE,
            physicsClientId=self.client,
        )

    def pose(self) -> Pose:
        """The body's actual pose (tool point, quaternion xyzw)."""
        pos, orn = self.p.getBasePositionAndOrientation(self.body, physicsClientId=self.client)
        return tuple(pos), tuple(orn)  # type: ignore[return-value]

    def teleport(self, pose: Pose) -> None:
        """Put the body at `pose` at rest, and its target there too (drops nothing it holds).
        With an arm, the arm's joints jump to the IK solution for `pose`."""
        if self.arm is not None:
            self.arm.set_joints(self.arm.solve(pose))
        self.p.resetBasePositionAndOrientation(self.body, pose[0], pose[1], physicsClientId=self.client)
        self.p.resetBaseVelocity(self.body, (0, 0, 0), (0, 0, 0), physicsClientId=self.client)
        self.set_target(pose)

    @property
    def visible(self) -> bool:
        """Whether cameras see the body."""
        return self.visibility.visible

    def set_visible(self, visible: bool) -> None:
        """Show or hide the body for cameras (alpha 0 is not drawn by the renderers)."""
        self.visibility.set(visible)

    def tip_contacts(self) -> list[Any]:
        """Contact points of the tool link with other bodies (after the last physics step)."""
        return list(
            self.p.getContactPoints(bodyA=self.body, linkIndexA=self.TIP_LINK, physicsClientId=self.client)
        )

    def activate(self) -> None:
        """Switch the tool on (suction: grasp what touches the tip). No-op by default."""

    def release(self) -> None:
        """Switch the tool off (suction: let go). No-op by default."""

    def detect_contact(self) -> bool:
        """Whether the tool (or what it holds) touches something."""
        return bool(self.tip_contacts())

    def check_grasp(self) -> bool:
        """Whether the tool holds an object."""
        return False


class Suction(Gripper):
    """Suction cup: `activate` attaches the rigid object touching the tip with a fixed constraint."""

    URDF = "gripper/suction.urdf"

    def __init__(self, env: Environment, home: Any = HOME_POSITION) -> None:
        super().__init__(env, home)
        self.activated = False
        self.grasp_constraint: int | None = None
        self.grasped: int | None = None  # object id held, if any
        self.grasped_link = -1

    def _graspable(self, obj_id: int) -> bool:
        ids = self.env.obj_ids
        return obj_id in ids["rigid"] or obj_id in ids["deformable"]

    def activate(self) -> None:
        """Grasp the first graspable object touching the tip; nothing happens when none does."""
        if self.activated:
            return
        for point in self.tip_contacts():
            obj_id, link = int(point[2]), int(point[4])
            if not self._graspable(obj_id):
                continue
            p, c = self.p, self.client
            tip_pos, tip_orn = p.getLinkState(self.body, self.TIP_LINK, physicsClientId=c)[:2]
            if link < 0:
                obj_pos, obj_orn = p.getBasePositionAndOrientation(obj_id, physicsClientId=c)
            else:
                obj_pos, obj_orn = p.getLinkState(obj_id, link, physicsClientId=c)[:2]
            inv_pos, inv_orn = p.invertTransform(tip_pos, tip_orn, physicsClientId=c)
            rel_pos, rel_orn = p.multiplyTransforms(inv_pos, inv_orn, obj_pos, obj_orn, physicsClientId=c)
            self.grasp_constraint = p.createConstraint(
                self.body, self.TIP_LINK, obj_id, link, p.JOINT_FIXED, (0, 0, 0), rel_pos, (0, 0, 0),
                parentFrameOrientation=rel_orn, physicsClientId=c,
            )
            p.changeConstraint(self.grasp_constraint, maxForce=1000.0, physicsClientId=c)
            self.grasped, self.grasped_link = obj_id, link
            self.activated = True
            return

    def release(self) -> None:
        """Let go of the held object, if any."""
        if self.grasp_constraint is not None:
            try:
                self.p.removeConstraint(self.grasp_constraint, physicsClientId=self.client)
            except self.p.error:  # the object (and its constraint) was removed meanwhile
                pass
        self.grasp_constraint, self.grasped, self.grasped_link = None, None, -1
        self.activated = False

    def detect_contact(self) -> bool:
        """Tip contact; while holding, contact of the held object with anything but the cup."""
        if self.grasped is None:
            return bool(self.tip_contacts())
        points = self.p.getContactPoints(bodyA=self.grasped, physicsClientId=self.client)
        return any(int(pt[2]) != self.body for pt in points)

    def check_grasp(self) -> bool:
        """Whether an object is held."""
        return self.grasped is not None


class Spatula(Gripper):
    """A flat blade for pushing piles; it never grasps."""

    URDF = "gripper/spatula.urdf"
