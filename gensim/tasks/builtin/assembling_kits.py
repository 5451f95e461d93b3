"""Ravens task `assembling-kits`: fit five shapes into the matching holes of a kit."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

# Yaw symmetry of each kitting shape, by name (radians; 0: any yaw fits).
SHAPE_SYMMETRY = {
    "triangle": 2 * np.pi / 3,
    "square": np.pi / 2,
    "plus": np.pi / 2,
    "diamond": np.pi,
    "pentagon": 2 * np.pi / 5,
    "rectangle": np.pi,
    "flower": np.pi / 2,
    "star": 2 * np.pi / 5,
    "circle": 0.0,
    "ring": 0.0,
    "hexagon": np.pi / 3,
}

# Hole centres in the kit's frame (metres): three in the back row, two in the front row.
KIT_HOLES = [
    (-0.09, 0.045, 0.0014),
    (0.0, 0.045, 0.0014),
    (0.09, 0.045, 0.0014),
    (-0.045, -0.045, 0.0014),
    (0.045, -0.045, 0.0014),
]


def shape_symmetry(shape: int) -> float:
    """Yaw symmetry of kitting shape `shape` (letters and the heart have none: 2*pi)."""
    return SHAPE_SYMMETRY.get(utils.assembling_kit_shapes[shape], 2 * np.pi)


class AssemblingKits(Task):
    """A flat kit with five shaped holes lies on the table, and five loose shapes (letters and
    simple polygons, in random colours) lie around it, one for each hole. Put every shape into
    the hole of the same shape, turned so that it fits the hole."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 10
        self.homogeneous = False
        self.lang_template = "put all the shapes in the kit"
        self.task_completed_desc = "done assembling kit."
        self.additional_reset()

    def add_kit(self, env: Environment, shapes: list[int]) -> list[tuple[Any, Any]]:
        """Add the kit and a flat marker in each hole; return the hole poses in shape order."""
        kit_size = (0.28, 0.2, 0.005)
        kit_pose = self.get_random_pose(env, kit_size)
        env.add_object("kitting/kit.urdf", kit_pose, "fixed")

        targets = []
        for shape, hole in zip(shapes, KIT_HOLES, strict=False):
            yaw = self.rng.uniform(0, 2 * np.pi)
            hole_pose = utils.multiply(kit_pose, (hole, utils.eulerXYZ_to_quatXYZW((0, 0, yaw))))
            marker_urdf = self.shape_urdf(shape, scale=(0.003, 0.003, 0.0001), color="black")
            env.add_object(marker_urdf, hole_pose, "fixed")
            targets.append(hole_pose)
        return targets

    def shape_urdf(self, shape: int, scale: tuple[float, float, float], color: Any) -> str:
        """A filled copy of the kitting object template for shape index `shape`."""
        mesh = os.path.join(self.assets_root, "kitting", f"{shape:02d}.obj")
        replace = {"FNAME": (mesh,), "SCALE": scale, "COLOR": color}
        return self.fill_template("kitting/object-template.urdf", replace)

    def color_names(self) -> list[str]:
        """Colours the loose shapes are painted with."""
        return utils.TRAIN_COLORS

    def reset(self, env: Environment) -> None:
        super().reset(env)
        n_objects = 5
        shape_set = self.train_set if self.mode == "train" else self.test_set
        if self.homogeneous:
            shapes = [int(self.rng.choice(shape_set))] * n_objects
        else:
            shapes = [int(s) for s in self.rng.choice(shape_set, n_objects, replace=False)]
        colors = [str(c) for c in self.rng.choice(self.color_names(), n_objects, replace=False)]
        targets = self.add_kit(env, shapes)

        objects = []
        for shape, color in zip(shapes, colors, strict=True):
            pose = self.get_random_pose(env, (0.08, 0.08, 0.02))
            urdf = self.shape_urdf(shape, scale=(0.003, 0.003, 0.001), color=color)
            objects.append(env.add_object(urdf, pose))
        self.add_goals(objects, targets, shapes, colors)

    def add_goals(
        self, objects: list[int], targets: list[Any], shapes: list[int], colors: list[str]
    ) -> None:
        """One goal for all shapes: identical shapes may go to any hole of their shape."""
        matches = np.array([[a == b for b in shapes] for a in shapes], dtype=int)
        self.add_goal(
            objs=objects,
            matches=matches,
            targ_poses=targets,
            replace=False,
            rotations=True,
            metric="pose",
            params=None,
            step_max_reward=1,
            symmetries=[shape_symmetry(s) for s in shapes],
            language_goal=self.lang_template,
        )
