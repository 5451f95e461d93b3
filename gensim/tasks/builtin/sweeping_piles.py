"""Ravens task `sweeping-piles`: push a pile of small blocks into a square zone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.sim import primitives
from gensim.sim.grippers import Spatula
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class SweepingPiles(Task):
    """Fifty small blocks lie in a loose pile on the table, next to a flat green square zone.
    Using a spatula and pushing motions, sweep the piles of blocks so that they end up inside
    the green square."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 20
        self.lang_template = "push the pile of blocks into the green square"
        self.task_completed_desc = "done sweeping."
        self.ee = Spatula
        self.primitive = primitives.push
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)

        zone_size = (0.12, 0.12, 0)
        zone_pose = self.get_random_pose(env, zone_size)
        env.add_object("zone/zone.urdf", zone_pose, "fixed", color="green")

        obj_ids = self.make_piles(env)
        self.add_goal(
            objs=obj_ids,
            matches=np.ones((len(obj_ids), 1)),
            targ_poses=[zone_pose],
            replace=True,
            rotations=False,
            metric="zone",
            params=[(zone_pose, zone_size)],
            step_max_reward=1,
            language_goal=self.lang_template,
        )
