"""put-block-in-bowl (CLIPort): blocks of one colour into bowls of another, with colour variants."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.builtin.place_red_in_green import BLOCK, BOWL, add_distractors
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class PutBlockInBowl(Task):
    """One to three bowls of one colour and at most as many blocks of another colour are
    scattered on the table among distractor blocks and bowls of other colours. Put each block of
    the named colour into a bowl of the named colour, one block per bowl. The two colours are
    drawn from the training colours in every split, as GenSim draws them."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 10
        self.lang_template = "put the {pick} blocks in a {place} bowl"
        self.task_completed_desc = "done placing blocks in bowls."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        n_bowls = int(self.rng.randint(1, 4))
        n_blocks = int(self.rng.randint(1, n_bowls + 1))
        # Two distinct colours with one `random.sample`, as the reference's `get_colors` draws.
        _, (block_color, bowl_color) = utils.get_colors(self.mode, n_colors=2)

        bowl_urdf, bowl_size = BOWL
        bowl_poses = []
        for _ in range(n_bowls):
            bowl_pose = self.get_random_pose(env, bowl_size)
            env.add_object(bowl_urdf, bowl_pose, category="fixed", color=utils.COLORS[bowl_color])
            bowl_poses.append(bowl_pose)

        block_urdf, block_size = BLOCK
        blocks = []
        for _ in range(n_blocks):
            block_pose = self.get_random_pose(env, block_size)
            blocks.append(env.add_object(block_urdf, block_pose, color=utils.COLORS[block_color]))

        # One goal over all blocks: any block into any bowl of the named colour, one per bowl
        # (`replace=False`). A block in a round bowl has no yaw to reach (symmetry 0), as in CLIPort.
        self.add_goal(
            objs=blocks,
            matches=np.ones((n_blocks, n_bowls)),
            targ_poses=bowl_poses,
            replace=False,
            rotations=True,
            metric="pose",
            params=None,
            step_max_reward=1.0,
            symmetries=[0.0] * n_blocks,
            language_goal=self.lang_template.format(pick=block_color, place=bowl_color),
        )
        self.max_steps = n_blocks + 1  # one mistake allowed, as in the reference

        # Distractors never use the two colours named in the instruction.
        others = [name for name in utils.PALETTE if name not in (block_color, bowl_color)]
        add_distractors(self, env, others, others)


class PutBlockInBowlSeenColors(PutBlockInBowl):
    """One to three bowls of one colour and at most as many blocks of another colour are
    scattered on the table among distractor blocks and bowls of other colours. Put each block of
    the named colour into a bowl of the named colour, one block per bowl. GenSim's seen-colours
    variant; like the reference's, it draws the training colours in every split."""


class PutBlockInBowlUnseenColors(PutBlockInBowl):
    """One to three bowls of one colour and at most as many blocks of another colour are
    scattered on the table among distractor blocks and bowls of other colours. Put each block of
    the named colour into a bowl of the named colour, one block per bowl. GenSim's unseen-colours
    variant; the reference's colour lists ignore the split, so it draws the training colours
    too (see docs/fidelity.md)."""


class PutBlockInBowlFull(PutBlockInBowl):
    """One to three bowls of one colour and at most as many blocks of another colour are
    scattered on the table among distractor blocks and bowls of other colours. Put each block of
    the named colour into a bowl of the named colour, one block per bowl. GenSim's full variant;
    training colours, as the reference draws them."""
