"""block-insertion (Ravens): fit an L-shaped block into the matching hole of a fixture."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class BlockInsertion(Task):
    """An L-shaped block lies on the table next to a fixed fixture that has an L-shaped hole, both
    at random positions and yaws. Pick up the L block and insert it into the hole, matching the
    fixture's position and orientation."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 3
        self.lang_template = "put the L shape block in the L shape hole"
        self.task_completed_desc = "done with insertion."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)

        # The fixture goes first so that the block's random pose avoids it.
        fixture_size = (0.1, 0.1, 0.04)
        fixture_pose = self.get_random_pose(env, fixture_size)
        env.add_object("insertion/fixture.urdf", fixture_pose, category="fixed")

        block_size = (0.1, 0.1, 0.04)
        block_pose = self.get_random_pose(env, block_size)
        block_id = env.add_object("insertion/ell.urdf", block_pose)

        # The L shape has no yaw symmetry: the full turn must match.
        self.add_goal(
            objs=[block_id],
            matches=np.ones((1, 1)),
            targ_poses=[fixture_pose],
            replace=False,
            rotations=True,
            metric="pose",
            params=None,
            step_max_reward=1.0,
            symmetries=[2 * np.pi],
            language_goal=self.lang_template,
        )
