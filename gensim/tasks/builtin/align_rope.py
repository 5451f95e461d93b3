"""CLIPort task `align-rope`: lay a rope along one side of a square, between two named corners."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class AlignRope(Task):
    """A square outline (three of its sides drawn) is on the table and a red rope (a chain of
    twenty small linked beads) lies in a heap nearby. Straighten the rope along one side of the
    square, so that it runs between the two corners named in the instruction (near or far from
    the robot, on its left or right)."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 20
        self.lang_template = "align the rope from {direction}"
        self.task_completed_desc = "done aligning the rope."
        self.additional_reset()  # the rope's primitive: low and slow (`primitives.ROPE_SPEED`)

    def reset(self, env: Environment) -> None:
        super().reset(env)
        n_parts = 20
        radius = 0.005
        length = 2 * radius * n_parts * np.sqrt(2)

        square_size = (length, length, 0)
        square_pose = self.get_random_pose(env, square_size)
        replace = {"DIM": (length,), "HALF": (np.float32(length) / 2 - 0.005,)}
        square_urdf = self.fill_template("square/square-template.urdf", replace)
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
