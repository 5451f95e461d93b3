"""block-insertion (Ravens) and its variants: fit an L-shaped block into the hole of a fixture.

As in GenSim, every random pose of the task is turned to a 90-degree yaw after the same draws
(GenSim's base task does this, not only its `-translation` variant) and the goal checks position
only. The variants behave as GenSim's do: `-translation` and `-easy` are the base scene (GenSim's
easy variant defines a fixed block pose that its `reset` never uses), `-sixdof` only sets the
6-DoF flag and a 2 cm position tolerance, `-nofixture` builds the same scene as the base task
(its fixture-less hook is never called there either).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.goals import Pose
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class BlockInsertion(Task):
    """An L-shaped block lies on the table next to a fixed fixture that has an L-shaped hole, both
    at random positions and turned 90 degrees. Pick up the L block and insert it into the hole."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 3
        self.lang_template = "put the L shape block in the L shape hole"
        self.task_completed_desc = "done with insertion."
        self.additional_reset()

    def get_random_pose(self, env: Environment, obj_size: tuple[float, ...]) -> Pose:  # type: ignore[override]
        position, _ = super().get_random_pose(env, obj_size)
        return position, utils.eulerXYZ_to_quatXYZW((0.0, 0.0, np.pi / 2))

    def reset(self, env: Environment) -> None:
        super().reset(env)

        # The block first, then the fixture where the block is not (the reference's order).
        block_size = (0.1, 0.1, 0.04)
        block_pose = self.get_random_pose(env, block_size)
        block_id = env.add_object("insertion/ell.urdf", block_pose)

        fixture_size = (0.1, 0.1, 0.04)
        fixture_pose = self.get_random_pose(env, fixture_size)
        env.add_object("insertion/fixture.urdf", fixture_pose, category="fixed")

        # Position only, as the reference's goal (both yaws are 90 degrees anyway).
        self.add_goal(
            objs=[block_id],
            matches=np.ones((1, 1)),
            targ_poses=[fixture_pose],
            replace=False,
            rotations=False,
            metric="pose",
            params=None,
            step_max_reward=1.0,
            symmetries=[2 * np.pi],
            language_goal=self.lang_template,
        )


class BlockInsertionTranslation(BlockInsertion):
    """An L-shaped block lies on the table next to a fixed fixture with an L-shaped hole, both
    at random positions but always turned 90 degrees. Pick up the L block and insert it into the
    hole: a translation only, no rotation needed."""


class BlockInsertionEasy(BlockInsertionTranslation):
    """An L-shaped block and a fixed fixture with an L-shaped hole lie on the table at random
    positions, both turned 90 degrees (GenSim's easy variant builds this same scene). Pick up
    the L block and insert it into the hole."""


class BlockInsertionSixDof(BlockInsertion):
    """An L-shaped block lies on the table next to a fixed fixture with an L-shaped hole, at
    random positions, turned 90 degrees; the task is marked six-degree-of-freedom and accepts the block
    within 2 cm of the hole. Pick up the L block and insert it into the hole."""

    def __init__(self) -> None:
        super().__init__()
        self.sixdof = True
        self.pos_eps = 0.02


class BlockInsertionNoFixture(BlockInsertion):
    """An L-shaped block lies on the table next to a fixture with an L-shaped hole, at random
    positions, turned 90 degrees (GenSim registers this variant with the base task's scene). Pick up the
    L block and insert it into the hole."""
