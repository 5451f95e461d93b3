"""palletizing-boxes (Ravens): stack boxes on a pallet, layer by layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class PalletizingBoxes(Task):
    """Eight brown boxes of one random size are scattered on the table next to a fixed wooden
    pallet. Stack all of them on the pallet in two layers of two by two boxes: first fill the
    bottom layer, then put the top layer on it."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 12
        self.lang_template = "stack all the boxes on the pallet"
        self.task_completed_desc = "done stacking boxes."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)

        pallet_size = (0.3, 0.25, 0.02)
        pallet_pose = self.get_random_pose(env, pallet_size)
        env.add_object("pallet/pallet.urdf", pallet_pose, category="fixed")

        box_size = self.get_random_size(0.08, 0.1, 0.07, 0.09, 0.04, 0.06)
        box = self.fill_template("box/box-template.urdf", {"DIM": box_size})
        margin = 0.01
        layers = 2
        layer_targets = []
        for z in range(layers):
            targets = []
            for x in (-1, 1):
                for y in (-1, 1):
                    offset = (
                        x * (box_size[0] + margin) / 2,
                        y * (box_size[1] + margin) / 2,
                        pallet_size[2] / 2 + (z + 0.5) * box_size[2],
                    )
                    targets.append((utils.apply(pallet_pose, offset), pallet_pose[1]))
            layer_targets.append(targets)

        boxes = []
        for _ in range(layers * 4):
            box_pose = self.get_random_pose(env, box_size)
            box_id = env.add_object(box, box_pose)
            self.color_random_brown(box_id)
            boxes.append(box_id)

        # One goal per layer, bottom first; within a layer any box may take any spot.
        for z, targets in enumerate(layer_targets):
            layer_boxes = boxes[4 * z : 4 * z + 4]
            self.add_goal(
                objs=layer_boxes,
                matches=np.ones((4, 4)),
                targ_poses=targets,
                replace=False,
                rotations=True,
                metric="pose",
                params=None,
                step_max_reward=1 / layers,
                symmetries=[np.pi] * 4,
                language_goal=self.lang_template,
            )
