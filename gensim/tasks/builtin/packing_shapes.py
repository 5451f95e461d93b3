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
        self.homogeneous = False
        self.lang_template = "pack the {obj} in the brown box"
        self.task_completed_desc = "done packing shapes."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        # The reference's draws, in its order: five distinct shapes (one shape five times in a
        # homogeneous evaluation split), the box's size and pose, then one pose per shape.
        n_objects = 5
        if self.mode == "train":
            shapes = [int(s) for s in np.random.choice(self.train_set, n_objects, replace=False)]
        elif self.homogeneous:
            shapes = [int(np.random.choice(self.test_set, replace=False))] * n_objects
        else:
            shapes = [int(s) for s in np.random.choice(self.test_set, n_objects, replace=False)]
        colors, _ = utils.get_colors(self.mode)  # the split's colours in order: no draw

        zone_size = self.get_random_size(0.1, 0.15, 0.1, 0.15, 0.05, 0.05)
        zone_pose = self.get_random_pose(env, zone_size)
        container_urdf = self.fill_template(
            "container/container-template.urdf",
            {"DIM": zone_size, "HALF": np.array(zone_size) / 2},
        )
        env.add_object(container_urdf, zone_pose, "fixed")  # the template's brown

        objects = []
        for i, shape in enumerate(shapes):
            pose = self.get_random_pose(env, (0.08, 0.08, 0.02))
            mesh = os.path.join(self.assets_root, "kitting", f"{shape:02d}.obj")
            replace = {"FNAME": (mesh,), "SCALE": (0.003, 0.003, 0.001), "COLOR": colors[i]}
            urdf = self.fill_template("kitting/object-template.urdf", replace)
            objects.append(env.add_object(urdf, pose))

        # The first shape is the one to pack; the others are distractors.
        self.add_goal(
            objs=[objects[0]],
            matches=np.ones((1, 1), dtype=np.int32),
            targ_poses=[zone_pose],
            replace=False,
            rotations=True,
            metric="zone",
            params=[(zone_pose, zone_size)],
            step_max_reward=1,
            language_goal=self.lang_template.format(obj=utils.assembling_kit_shapes[shapes[0]]),
        )
