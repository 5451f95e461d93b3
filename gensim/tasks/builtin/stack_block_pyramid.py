"""stack-block-pyramid (Ravens): build a 3-2-1 pyramid of six blocks on a stand."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

# Centres of 4 cm blocks in the stand's frame (its tiles' top is at z = 0.0025): a row of three
# on the tiles, a row of two on top of them, one block at the top.
PYRAMID_OFFSETS = [
    (0, -0.05, 0.0225),
    (0, 0, 0.0225),
    (0, 0.05, 0.0225),
    (0, -0.025, 0.0625),
    (0, 0.025, 0.0625),
    (0, 0, 0.1025),
]


class StackBlockPyramid(Task):
    """Six coloured blocks (purple, blue, green, yellow, orange, red) lie on the table next to a
    fixed three-tile stand. Stack them on the stand into a pyramid: a bottom row of three blocks,
    a middle row of two blocks and one block on top. Any block may take any place within a row."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 12
        self.lang_template = "make the {row} row with {blocks}"
        self.task_completed_desc = "done stacking block pyramid."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)

        stand_size = (0.05, 0.15, 0.005)
        stand_pose = self.get_random_pose(env, stand_size)
        env.add_object("stacking/stand.urdf", stand_pose, category="fixed")

        block_size = (0.04, 0.04, 0.04)
        colors = ["purple", "blue", "green", "yellow", "orange", "red"]
        blocks = []
        for color in colors:
            block_pose = self.get_random_pose(env, block_size)
            blocks.append(
                env.add_object("stacking/block.urdf", block_pose, color=utils.COLORS[color])
            )

        targets = [(utils.apply(stand_pose, offset), stand_pose[1]) for offset in PYRAMID_OFFSETS]

        # One goal per row, bottom first, so that each row rests on a finished row below it.
        rows = [(0, 3, "bottom", "the green, blue and purple blocks"),
                (3, 5, "middle", "the yellow and orange blocks"), (5, 6, "top", "the red block")]
        for start, end, row, names in rows:
            n = end - start
            self.add_goal(
                objs=blocks[start:end],
                matches=np.ones((n, n)),
                targ_poses=targets[start:end],
                replace=False,
                rotations=True,
                metric="pose",
                params=None,
                step_max_reward=n / len(blocks),
                symmetries=[np.pi / 2] * n,
                language_goal=self.lang_template.format(row=row, blocks=names),
            )
