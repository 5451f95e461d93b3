"""CLIPort task `separating-piles` (seen / unseen / full colour variants)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import numpy as np

from gensim.sim import primitives
from gensim.sim.grippers import Spatula
from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class SeparatingPilesUnseenColors(Task):
    """A pile of fifty small blocks of one colour lies on the table between two flat square
    zones of two other colours, all drawn from the training colours in every split, as GenSim
    draws them. Using a spatula and pushing motions, sweep the pile into the square of the
    colour named in the instruction, not into the other one."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 20
        self.lang_template = "push the pile of {block_color} blocks into the {square_color} square"
        self.task_completed_desc = "done separating piles."
        self.ee = Spatula
        self.primitive = primitives.push
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        # As the reference draws: three colours with one `random.sample` (two squares, then the
        # blocks), two 15 cm squares at least 20 cm apart (the second redrawn until so), the
        # target square with Python's `random.randint`, then the pile.
        _, (color1, color2, block_color) = utils.get_colors(self.mode, n_colors=3)
        zone_size = (0.15, 0.15, 0)
        zone1_pose = self.get_random_pose(env, zone_size)
        zone2_pose = self.get_random_pose(env, zone_size)
        while np.linalg.norm(np.array(zone2_pose[0]) - np.array(zone1_pose[0])) < 0.2:
            zone2_pose = self.get_random_pose(env, zone_size)
        env.add_object("zone/zone.urdf", zone1_pose, "fixed", color=utils.COLORS[color1])
        env.add_object("zone/zone.urdf", zone2_pose, "fixed", color=utils.COLORS[color2])
        target = random.randint(0, 1)
        zone_pose, square_color = [(zone1_pose, color1), (zone2_pose, color2)][target]

        obj_ids = self.make_piles(env, block_color=block_color)
        self.add_goal(
            objs=obj_ids,
            matches=np.ones((len(obj_ids), 1)),
            targ_poses=[zone_pose],
            replace=True,
            rotations=False,
            metric="zone",
            params=[(zone_pose, zone_size)],
            step_max_reward=1,
            language_goal=self.lang_template.format(
                block_color=block_color, square_color=square_color
            ),
        )


class SeparatingPilesSeenColors(SeparatingPilesUnseenColors):
    """A pile of fifty small blocks of one colour lies on the table between two flat square
    zones of two other colours, all drawn from the training colours. Using a spatula and pushing
    motions, sweep the pile into the square of the colour named in the instruction."""


class SeparatingPilesFull(SeparatingPilesUnseenColors):
    """A pile of fifty small blocks of one colour lies on the table between two flat square
    zones of two other colours (GenSim's full variant: training colours, as it draws them).
    Using a spatula and pushing motions, sweep the pile into the square of the colour named in
    the instruction."""
