"""build-house: build two brick walls on a foundation and lay a roof across them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.builtin.assembly import add_build_steps
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class BuildHouse(Task):
    """Four red bricks and a blue roof slab lie on the table next to a flat grey foundation.
    Build a small house on the foundation: lay two bricks parallel to each other as the bottom
    of two walls, put the other two bricks on top of them to raise the walls, and finally lay
    the roof slab across the tops of both walls."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 8
        self.lang_template = "build a house: {step}"
        self.task_completed_desc = "done building the house."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)

        # The foundation marks where the house goes, so that no part starts there.
        foundation_size = (0.14, 0.2, 0.004)
        foundation = self.fill_template("box/box-template.urdf", {"DIM": foundation_size})
        foundation_pose = self.get_random_pose(env, foundation_size)
        env.add_object(foundation, foundation_pose, category="fixed", color=utils.COLORS["gray"])
        ground = foundation_size[2] / 2  # height of the foundation's top in its own frame

        def on_foundation(y: float, z: float) -> tuple:
            return (utils.apply(foundation_pose, (0, y, ground + z)), foundation_pose[1])

        # The walls run along the foundation's x axis, one on each side of the middle.
        brick_size = (0.08, 0.04, 0.04)
        roof_size = (0.1, 0.16, 0.02)
        wall_y = 0.05
        bottom_targets = [on_foundation(y, brick_size[2] / 2) for y in (-wall_y, wall_y)]
        top_targets = [on_foundation(y, 1.5 * brick_size[2]) for y in (-wall_y, wall_y)]
        roof_target = on_foundation(0, 2 * brick_size[2] + roof_size[2] / 2)

        brick_urdf = self.fill_template("box/box-template.urdf", {"DIM": brick_size})
        bricks = [
            env.add_object(
                brick_urdf, self.get_random_pose(env, brick_size), color=utils.COLORS["red"]
            )
            for _ in range(4)
        ]
        roof_urdf = self.fill_template("box/box-template.urdf", {"DIM": roof_size})
        roof = env.add_object(
            roof_urdf, self.get_random_pose(env, roof_size), color=utils.COLORS["blue"]
        )

        # Bottom course, top course, roof: each step rests on the one before.
        steps = [
            (bricks[:2], bottom_targets, self.lang_template.format(step="lay two red bricks as the bottom of the walls")),
            (bricks[2:], top_targets, self.lang_template.format(step="put the other red bricks on top of them")),
            ([roof], [roof_target], self.lang_template.format(step="lay the blue roof across both walls")),
        ]
        add_build_steps(self, steps, symmetry=np.pi, share_by_objects=True)
