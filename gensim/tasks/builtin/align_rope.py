"""CLIPort task `align-rope`: lay a rope along one side of a square, between two named corners."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.sim import primitives
from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class AlignRope(Task):
    """A closed square outline is drawn on the table and a red rope (a chain of twenty small
    linked beads) lies loose nearby. Straighten the rope along one side of the square, so that
    it runs between the two corners named in the instruction (near or far from the robot, on
    its left or right)."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 20
        self.lang_template = "align the rope from {direction}"
        self.task_completed_desc = "done aligning the rope."
        self.additional_reset()
        # 0.5 mm per physics step (0.24 m/s at 480 Hz): a rope dragged faster slides on after
        # the release and pulls its placed beads off their targets.
        self.primitive = primitives.PickPlace(height=0.02, speed=0.0005)

    def reset(self, env: Environment) -> None:
        super().reset(env)
        n_parts = 20
        radius = 0.005
        length = 2 * radius * n_parts * np.sqrt(2)

        # Keep the square close to axis-aligned (the yaw drawn with the position, squeezed into
        # +-15 degrees: no extra draw, so later draws stay in step with the reference's).
        square_size = (length, length, 0)
        position, quat = self.get_random_pose(env, square_size)
        yaw = utils.quatXYZW_to_eulerXYZ(quat)[2] % (2 * np.pi) / (2 * np.pi) * (np.pi / 6) - np.pi / 12
        square_pose = (position, utils.eulerXYZ_to_quatXYZW((0, 0, yaw)))
        replace = {"DIM": (length,), "HALF": (np.float32(length) / 2 - 0.005,)}
        square_urdf = self.fill_template("square/square-template-allsides.urdf", replace)
        env.add_object(square_urdf, square_pose, "fixed")

        # Corners in the square's frame: +x is away from the robot, +y is the robot's left.
        half = length / 2
        far_left = utils.apply(square_pose, (half, half, 0.001))
        far_right = utils.apply(square_pose, (half, -half, 0.001))
        near_left = utils.apply(square_pose, (-half, half, 0.001))
        near_right = utils.apply(square_pose, (-half, -half, 0.001))
        # The reference's four sides, in its order and words (its words name the corners of
        # its own square frame, not the robot's view), chosen with one `choice` as there.
        sides = [
            ((far_left, near_left), "front left tip to front right tip"),
            ((far_left, far_right), "front right tip to back right corner"),
            ((near_left, near_right), "front left tip to back left corner"),
            ((near_right, far_right), "back right corner to back left corner"),
        ]
        corners, direction = sides[int(np.random.choice(len(sides), 1)[0])]

        objects, targets, matches = self.make_ropes(
            env, corners=corners, radius=radius, n_parts=n_parts, color_name="red"
        )
        # Targets 10% closer to the middle leave the rope some slack, so that placing one bead
        # does not drag the beads already placed off their targets.
        middle = (np.array(targets[0][0]) + np.array(targets[-1][0])) / 2
        targets = [(tuple(middle + 0.9 * (np.array(xyz) - middle)), quat) for xyz, quat in targets]
        self.add_goal(
            objs=objects,
            matches=matches,
            targ_poses=targets,
            replace=False,
            rotations=False,
            metric="pose",
            params=None,
            step_max_reward=1,
            language_goal=self.lang_template.format(direction=direction),
        )
