"""put-block-in-bowl (CLIPort): blocks of one colour into bowls of another, with colour variants."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class PutBlockInBowl(Task):
    """One to three bowls of one colour and at most as many blocks of another colour are
    scattered on the table among distractor blocks and bowls of other colours. Put each block of
    the named colour into a bowl of the named colour, one block per bowl. Colours of the
    training episodes are the seen ones and of the other episodes the unseen ones."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 10
        self.lang_template = "put the {pick} blocks in a {place} bowl"
        self.task_completed_desc = "done placing blocks in bowls."
        self.additional_reset()

    def color_names(self) -> list[str]:
        """The colour names this variant draws from (seen colours in training, unseen otherwise)."""
        return utils.get_colors_names(self.mode)

    def reset(self, env: Environment) -> None:
        super().reset(env)
        n_bowls = int(self.rng.integers(1, 4))
        n_blocks = int(self.rng.integers(1, n_bowls + 1))

        palette = self.color_names()
        block_color, bowl_color = (str(name) for name in self.rng.choice(palette, 2, replace=False))

        bowl_size = (0.12, 0.12, 0)
        bowl_urdf = "bowl/bowl.urdf"
        bowl_poses = []
        for _ in range(n_bowls):
            bowl_pose = self.get_random_pose(env, bowl_size)
            env.add_object(bowl_urdf, bowl_pose, category="fixed", color=utils.COLORS[bowl_color])
            bowl_poses.append(bowl_pose)

        block_size = (0.04, 0.04, 0.04)
        block_urdf = "stacking/block.urdf"
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

        # Distractors never use the two colours named in the instruction.
        distractor_colors = [name for name in palette if name not in (block_color, bowl_color)]
        for _ in range(4):
            color = distractor_colors[int(self.rng.integers(len(distractor_colors)))]
            if self.rng.random() < 0.5:
                pose = self.get_random_pose(env, block_size)
                env.add_object(block_urdf, pose, color=utils.COLORS[color])
            else:
                pose = self.get_random_pose(env, bowl_size)
                env.add_object(bowl_urdf, pose, category="fixed", color=utils.COLORS[color])


class PutBlockInBowlSeenColors(PutBlockInBowl):
    """One to three bowls of one colour and at most as many blocks of another colour are
    scattered on the table among distractor blocks and bowls of other colours. Put each block of
    the named colour into a bowl of the named colour, one block per bowl. All episodes use the
    seen (training) colours."""

    def color_names(self) -> list[str]:
        """Always the seen (training) colours."""
        return list(utils.TRAIN_COLORS)


class PutBlockInBowlUnseenColors(PutBlockInBowl):
    """One to three bowls of one colour and at most as many blocks of another colour are
    scattered on the table among distractor blocks and bowls of other colours. Put each block of
    the named colour into a bowl of the named colour, one block per bowl. Training episodes use
    the seen colours, validation and test episodes the unseen ones."""


class PutBlockInBowlFull(PutBlockInBowl):
    """One to three bowls of one colour and at most as many blocks of another colour are
    scattered on the table among distractor blocks and bowls of other colours. Put each block of
    the named colour into a bowl of the named colour, one block per bowl. Colours come from the
    seen and unseen sets together."""

    def color_names(self) -> list[str]:
        """The seen and unseen colours together (sorted, so that episodes are reproducible)."""
        return sorted(set(utils.TRAIN_COLORS) | set(utils.EVAL_COLORS))
