"""CLIPort task `packing-shapes`: put the named kitting shape into a brown box."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class PackingShapes(Task):
    """An open brown box lies on the table among five flat shapes of different kinds and
    colours (letters and simple polygons from the kitting set). Pick up the shape named in the
    instruction and put it inside the brown box; the other shapes stay where they are."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 1
        self.lang_template = "pack the {obj} in the brown box"
        self.task_completed_desc = "done packing shapes."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        n_objects = 5
        shape_set = self.train_set if self.mode == "train" else self.test_set
        shapes = [int(s) for s in self.rng.choice(shape_set, n_objects, replace=False)]
        colors = [str(c) for c in self.rng.choice(utils.TRAIN_COLORS, n_objects, replace=False)]

        zone_size = self.get_random_size(0.12, 0.18, 0.12, 0.18, 0.05, 0.05)
        zone_pose = self.get_random_pose(env, zone_size)
        container_urdf = self.fill_template(
            "container/container-template.urdf",
            {"DIM": zone_size, "HALF": np.array(zone_size) / 2},
        )
        container_id = env.add_object(container_urdf, zone_pose, "fixed")
        self.color_random_brown(container_id)

        objects = []
        for shape, color in zip(shapes, colors, strict=True):
            mesh = os.path.join(self.assets_root, "kitting", f"{shape:02d}.obj")
            replace = {"FNAME": (mesh,), "SCALE": (0.003, 0.003, 0.001), "COLOR": color}
            urdf = self.fill_template("kitting/object-template.urdf", replace)
            pose = self.get_random_pose(env, (0.08, 0.08, 0.02))
            objects.append(env.add_object(urdf, pose))

        # The first shape is the one to pack; the others are distractors.
        self.add_goal(
            objs=[objects[0]],
            matches=np.ones((1, 1)),
            targ_poses=[zone_pose],
            replace=False,
            rotations=False,
            metric="zone",
            params=[(zone_pose, zone_size)],
            step_max_reward=1,
            language_goal=self.lang_template.format(obj=utils.assembling_kit_shapes[shapes[0]]),
        )
