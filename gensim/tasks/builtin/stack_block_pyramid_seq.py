"""stack-block-pyramid-seq (CLIPort): a block pyramid built one named block at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.builtin.stack_block_pyramid import PYRAMID_OFFSETS
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class StackBlockPyramidSeq(Task):
    """Six blocks of different colours lie on the table next to a fixed stand of three tiles in
    light, middle and dark brown. Following one instruction per step, build a pyramid: put the
    named block on a named tile of the stand (three times), then the next blocks on pairs of
    named blocks below them, until one block crowns the pyramid. The blocks take the first six
    training colours in their listed order (blue, red, green, yellow, brown, gray), as GenSim
    colours them in every split."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 12
        self.lang_template = "put the {pick} block on {place}"
        self.task_completed_desc = "done stacking block pyramid."
        self.additional_reset()

    def color_names(self) -> list[str]:
        """The split's colour names (the training colours in every split, as in GenSim)."""
        return utils.get_colors_names(self.mode)

    def reset(self, env: Environment) -> None:
        super().reset(env)

        stand_size = (0.05, 0.15, 0.005)
        stand_pose = self.get_random_pose(env, stand_size)
        env.add_object("stacking/stand.urdf", stand_pose, category="fixed")

        # The split's colours in their listed order, no draw (the reference's `get_colors(mode)`
        # without a count): the first six name the blocks.
        names = list(self.color_names())[:6]
        block_size = (0.04, 0.04, 0.04)
        blocks = []
        for name in names:
            block_pose = self.get_random_pose(env, block_size)
            blocks.append(
                env.add_object("stacking/block.urdf", block_pose, color=utils.COLORS[name])
            )

        targets = [(utils.apply(stand_pose, offset), stand_pose[1]) for offset in PYRAMID_OFFSETS]
        places = [
            "the lightest brown block",
            "the middle brown block",
            "the darkest brown block",
            f"the {names[0]} and {names[1]} blocks",
            f"the {names[1]} and {names[2]} blocks",
            f"the {names[3]} and {names[4]} blocks",
        ]

        # One goal per block, in building order, each with its own instruction.
        for block_id, target, name, place in zip(blocks, targets, names, places, strict=True):
            self.add_goal(
                objs=[block_id],
                matches=np.ones((1, 1)),
                targ_poses=[target],
                replace=False,
                rotations=True,
                metric="pose",
                params=None,
                step_max_reward=1 / len(blocks),
                symmetries=[np.pi / 2],
                language_goal=self.lang_template.format(pick=name, place=place),
            )


class StackBlockPyramidSeqSeenColors(StackBlockPyramidSeq):
    """Six blocks of different colours lie on the table next to a fixed stand of three tiles in
    light, middle and dark brown. Following one instruction per step, build a pyramid: put the
    named block on a named tile of the stand (three times), then the next blocks on pairs of
    named blocks below them, until one block crowns the pyramid. GenSim's seen-colours variant: the
    training colours, as in every split there."""


class StackBlockPyramidSeqUnseenColors(StackBlockPyramidSeq):
    """Six blocks of different colours lie on the table next to a fixed stand of three tiles in
    light, middle and dark brown. Following one instruction per step, build a pyramid: put the
    named block on a named tile of the stand (three times), then the next blocks on pairs of
    named blocks below them, until one block crowns the pyramid. GenSim's unseen-colours variant; its
    colour list ignores the split, so the training colours here too (docs/fidelity.md)."""


class StackBlockPyramidSeqFull(StackBlockPyramidSeq):
    """Six blocks of different colours lie on the table next to a fixed stand of three tiles in
    light, middle and dark brown. Following one instruction per step, build a pyramid: put the
    named block on a named tile of the stand (three times), then the next blocks on pairs of
    named blocks below them, until one block crowns the pyramid. GenSim's full variant (training
    colours, as the reference draws them)."""
