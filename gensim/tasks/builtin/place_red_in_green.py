"""place-red-in-green (Ravens): red blocks into green bowls, among distractors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


BLOCK = ("stacking/block.urdf", (0.04, 0.04, 0.04))
BOWL = ("bowl/bowl.urdf", (0.12, 0.12, 0))


def add_distractors(task: Task, env: Environment, block_colors: list[str], bowl_colors: list[str]) -> None:
    """Six movable distractor blocks and bowls, as the reference adds them: one `rand` decides
    block or bowl, then the pose; colours cycle through the given names, the n-th distractor
    taking name n (modulo their count) of its kind's list."""
    for n in range(6):
        is_block = task.rng.rand() > 0.5
        (urdf, size), names = (BLOCK, block_colors) if is_block else (BOWL, bowl_colors)
        pose = task.get_random_pose(env, size)
        env.add_object(urdf, pose, color=utils.COLORS[names[n % len(names)]])


class PlaceRedInGreen(Task):
    """One to three green bowls and at most as many red blocks are scattered on the table,
    together with distractor blocks and bowls of other colours. Put every red block into a
    green bowl, at most one red block per bowl."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 10
        self.lang_template = "put the red blocks in a green bowl"
        self.task_completed_desc = "done placing blocks in bowls."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        n_bowls = int(self.rng.randint(1, 4))
        n_blocks = int(self.rng.randint(1, n_bowls + 1))

        bowl_urdf, bowl_size = BOWL
        bowl_poses = []
        for _ in range(n_bowls):
            bowl_pose = self.get_random_pose(env, bowl_size)
            env.add_object(bowl_urdf, bowl_pose, category="fixed", color=utils.COLORS["green"])
            bowl_poses.append(bowl_pose)

        block_urdf, block_size = BLOCK
        blocks = []
        for _ in range(n_blocks):
            block_pose = self.get_random_pose(env, block_size)
            blocks.append(env.add_object(block_urdf, block_pose, color=utils.COLORS["red"]))

        # Any red block may go into any green bowl, but each bowl takes only one; a block in a
        # round bowl has no yaw to reach (symmetry 0), as in Ravens.
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
            language_goal=self.lang_template,
        )

        # Distractors in any colour but red (blocks) or green (bowls).
        add_distractors(self, env, [name for name in utils.PALETTE if name != "red"],
                        [name for name in utils.PALETTE if name != "green"])
