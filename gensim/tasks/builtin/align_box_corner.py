"""align-box-corner (Ravens): align a corner of a random box with an L-shaped corner marker."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class AlignBoxCorner(Task):
    """A brown box of random size lies on the table, and a flat L-shaped corner marker is drawn
    elsewhere at a random yaw. Pick up the box and put it down so that one of its corners sits
    in the marked corner with the box's edges along the marker's two arms (the box may lie
    lengthwise or crosswise)."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 3
        self.lang_template = "align the brown box with the green corner"
        self.task_completed_desc = "done with alignment"
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        box_size = self.get_random_size(0.05, 0.15, 0.05, 0.15, 0.01, 0.06)
        half_x, half_y = box_size[0] / 2, box_size[1] / 2

        # The marker frame is the box's target frame. The marked corner is at (+x, +y); each arm
        # (5.5 x 0.5 cm) runs along one box edge just outside it, and the two arms meet there.
        arm_length, arm_width = 0.055, 0.005
        marker = self.fill_template(
            "corner/corner-template.urdf",
            {
                "DIMX": (half_x + arm_width - arm_length / 2, half_x + arm_width / 2),
                "DIMY": (half_y + arm_width / 2, half_y + arm_width - arm_length / 2),
            },
        )
        corner_pose = self.get_random_pose(env, (box_size[0], box_size[1], 0))
        env.add_object(marker, corner_pose, category="fixed")

        # The same corner is also matched by the box turned a quarter: its centre then moves so
        # that the corner stays put.
        shift = (half_x - half_y, half_y - half_x, 0)
        quarter = utils.eulerXYZ_to_quatXYZW((0, 0, np.pi / 2))
        crosswise_pose = utils.multiply(corner_pose, (shift, quarter))

        box = self.fill_template("box/box-template.urdf", {"DIM": box_size})
        box_pose = self.get_random_pose(env, box_size)
        box_id = env.add_object(box, box_pose)
        self.color_random_brown(box_id)

        # A box looks the same after half a turn, so each placement is checked modulo pi.
        self.add_goal(
            objs=[box_id],
            matches=np.ones((1, 2)),
            targ_poses=[corner_pose, crosswise_pose],
            replace=False,
            rotations=True,
            metric="pose",
            params=None,
            step_max_reward=1.0,
            symmetries=[np.pi],
            language_goal=self.lang_template,
        )
