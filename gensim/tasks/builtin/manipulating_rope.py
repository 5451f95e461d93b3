"""Ravens task `manipulating-rope`: close an open square outline with a rope."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class ManipulatingRope(Task):
    """A square outline with one open side is drawn on the table, and a red rope (a chain of
    twenty small linked beads) lies in a heap nearby. Rearrange the rope so that it lies straight
    along the open side of the square, from one end of the outline to the other, closing the
    square."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 20
        self.lang_template = "manipulate the rope to complete the square"
        self.task_completed_desc = "done manipulating the rope."
        self.additional_reset()  # the rope's primitive: low and slow (`primitives.ROPE_SPEED`)

    def reset(self, env: Environment) -> None:
        super().reset(env)
        n_parts = 20
        radius = 0.005
        length = 2 * radius * n_parts * np.sqrt(2)

        # The outline, its open side along +y of its own frame.
        square_size = (length, length, 0)
        square_pose = self.get_random_pose(env, square_size)
        replace = {"DIM": (length,), "HALF": (np.float32(length) / 2 - 0.005,)}
        square_urdf = self.fill_template("square/square-template.urdf", replace)
        env.add_object(square_urdf, square_pose, "fixed")

        # The rope must span the open side, from one corner to the other.
        corner0 = utils.apply(square_pose, (length / 2, length / 2, 0.001))
        corner1 = utils.apply(square_pose, (-length / 2, length / 2, 0.001))
        objects, targets, matches = self.make_ropes(
            env, corners=(corner0, corner1), radius=radius, n_parts=n_parts, color_name="red"
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
            language_goal=self.lang_template,
        )
