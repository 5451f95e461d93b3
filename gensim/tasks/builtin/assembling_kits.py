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
        self.lang_template = "put all the blocks inside the holes they fit in"
        self.task_completed_desc = "done assembling blocks."
        self.additional_reset()

    def add_kit(self, env: Environment) -> Any:
        """Add the kit at a random pose; return that pose."""
        kit_size = (0.28, 0.2, 0.005)
        kit_pose = self.get_random_pose(env, kit_size)
        env.add_object("kitting/kit.urdf", kit_pose, "fixed")
        return kit_pose

    def add_holes(self, env: Environment, kit_pose: Any, shapes: list[int]) -> list[tuple[Any, Any]]:
        """A flat dark marker in each hole, at a random yaw (one draw each); the hole poses."""
        targets = []
        for shape, hole in zip(shapes, KIT_HOLES, strict=False):
            yaw = float(np.random.rand() * 2 * np.pi)
            hole_pose = (utils.apply(kit_pose, hole), utils.eulerXYZ_to_quatXYZW((0, 0, yaw)))
            marker_urdf = self.shape_urdf(shape, scale=(0.003, 0.003, 0.0001), color=[0.2, 0.2, 0.2])
            env.add_object(marker_urdf, hole_pose, "fixed")
            targets.append(hole_pose)
        return targets

    def shape_urdf(self, shape: int, scale: tuple[float, float, float], color: Any) -> str:
        """A filled copy of the kitting object template for shape index `shape`."""
        mesh = os.path.join(self.assets_root, "kitting", f"{shape:02d}.obj")
        replace = {"FNAME": (mesh,), "SCALE": scale, "COLOR": color}
        return self.fill_template("kitting/object-template.urdf", replace)

    def shapes_and_colors(self, n_objects: int) -> tuple[list[int], list[str]]:
        """The shapes (`get_kitting_shapes`: with repeats, one kind when homogeneous outside
        training) and the reference's fixed colours: purple, blue, green, yellow, red."""
        shapes = [int(s) for s in self.get_kitting_shapes(n_objects)]
        return shapes, ["purple", "blue", "green", "yellow", "red"][:n_objects]

    def reset(self, env: Environment) -> None:
        super().reset(env)
        n_objects = 5
        kit_pose = self.add_kit(env)
        shapes, colors = self.shapes_and_colors(n_objects)
        targets = self.add_holes(env, kit_pose, shapes)

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


class AssemblingKitsEasy(AssemblingKits):
    """A flat kit with five shaped holes lies on the table, and five loose shapes of one kind
    (in random colours) lie around it. Put every shape into a hole of its shape; a turn within
    30 degrees of the hole's counts as fitting."""

    def __init__(self) -> None:
        super().__init__()
        self.rot_eps = np.deg2rad(30)
        self.train_set = np.array([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19], dtype=np.int32)
        self.test_set = np.array([3, 11], dtype=np.int32)
        self.homogeneous = True
