"""CLIPort task `separating-piles` (seen / unseen / full colour variants)."""

from __future__ import annotations

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
    zones of two other colours. Using a spatula and pushing motions, sweep the pile into the
    square of the colour named in the instruction, not into the other one."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 20
        self.lang_template = "push the pile of {block_color} blocks into the {square_color} square"
        self.task_completed_desc = "done separating piles."
        self.ee = Spatula
        self.primitive = primitives.push
        self.additional_reset()

    def color_names(self) -> list[str]:
        """Colours of this variant: training colours in train mode, evaluation colours otherwise."""
        return utils.get_colors_names(self.mode)

    def reset(self, env: Environment) -> None:
        super().reset(env)
        block_color, square_color, other_color = self.rng.choice(
            self.color_names(), 3, replace=False
        )

        zone_size = (0.12, 0.12, 0)
        zone_pose = self.get_random_pose(env, zone_size)
        env.add_object("zone/zone.urdf", zone_pose, "fixed", color=str(square_color))
        other_pose = self.get_random_pose(env, zone_size)
        env.add_object("zone/zone.urdf", other_pose, "fixed", color=str(other_color))

        obj_ids = self.make_piles(env, block_color=str(block_color))
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

    def color_names(self) -> list[str]:
        """Training colours in every mode."""
        return utils.TRAIN_COLORS


class SeparatingPilesFull(SeparatingPilesUnseenColors):
    """A pile of fifty small blocks of one colour lies on the table between two flat square
    zones of two other colours, drawn from all colours. Using a spatula and pushing motions,
    sweep the pile into the square of the colour named in the instruction."""

    def color_names(self) -> list[str]:
        """Training and evaluation colours together, in every mode."""
        return sorted(set(utils.TRAIN_COLORS) | set(utils.EVAL_COLORS))
