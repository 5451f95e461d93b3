"""build-house (GenSim): build a small house of blocks with a cylinder chimney."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.builtin.assembly import add_build_steps
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

# The reference's fixed targets (world frame, m), a corner anchor on the first base target.
BASE_TARGETS = [(0.7, -0.3, 0.02), (0.7, -0.2, 0.02), (0.6, -0.3, 0.02), (0.6, -0.2, 0.02)]
WALL_TARGETS = [(0.7, -0.3, 0.06), (0.7, -0.2, 0.06), (0.6, -0.3, 0.06), (0.6, -0.2, 0.06)]
ROOF_TARGETS = [(0.7, -0.25, 0.1), (0.6, -0.25, 0.1)]
CHIMNEY_TARGET = (0.65, -0.2, 0.12)
SYMMETRY = np.pi  # the reference passes none: its expert turns every block to its target's yaw anyway,
# ours only for a symmetry above 0 (which also has the reward check the yaw)


class BuildHouse(Task):
    """Four red base blocks, four blue wall blocks, two long yellow roof blocks and a green
    cylinder lie on the table; a green corner marks where the house goes. Build it in four
    steps: the red blocks in a square as the base, a blue block on each base block as the
    walls, the two yellow blocks on the walls as the roof, and the cylinder as the chimney."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 30
        self.lang_template = (
            "Construct a house structure using blocks and a cylinder. Begin by forming the base of the "
            "house with four red blocks arranged in a square shape. Then build the walls by stacking two "
            "blue blocks on top of each base block. Create a roof by placing two yellow blocks on the "
            "uppermost blue blocks, angled to form an apex. Finally, position a green cylinder in the "
            "center of the square created by the base blocks to represent a chimney."
        )
        self.task_completed_desc = "done building house."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        # The reference's order: each block's pose is drawn for a 4 cm cube (whatever its
        # size), then its template filled; four base, four wall, two roof blocks, the chimney.
        drawn_size = (0.04, 0.04, 0.04)
        kinds = [("red", (0.06, 0.06, 0.04), 4), ("blue", (0.04, 0.04, 0.04), 4), ("yellow", (0.04, 0.1, 0.04), 2)]
        groups = []
        for color, size, count in kinds:
            ids = []
            for _ in range(count):
                pose = self.get_random_pose(env, drawn_size)
                urdf = self.fill_template("box/box-template.urdf", {"DIM": size})
                ids.append(env.add_object(urdf, pose, color=utils.COLORS[color]))
            groups.append(ids)
        chimney_size = (0.04, 0.04, 0.02)  # DIM0 is the radius
        chimney_urdf = self.fill_template("cylinder/cylinder-template.urdf", {"DIM": chimney_size})
        chimney = env.add_object(chimney_urdf, self.get_random_pose(env, chimney_size), color=utils.COLORS["green"])
        self.add_corner_anchor_for_pose(env, BASE_TARGETS[0])

        steps = [
            (groups[0], BASE_TARGETS, "Construct a house structure using blocks and a cylinder. Begin by forming "
             "the base of the house with four red blocks arranged in a square shape."),
            (groups[1], WALL_TARGETS, "Then build the walls by stacking two blue blocks on top of each base block. "),
            (groups[2], ROOF_TARGETS, "Create a roof by placing two yellow blocks on the uppermost blue blocks, "
             "angled to form an apex. "),
            ([chimney], [CHIMNEY_TARGET], "Finally, position a green cylinder in the center of the square created "
             "by the base blocks to represent a chimney."),
        ]
        add_build_steps(self, steps, symmetry=SYMMETRY)
