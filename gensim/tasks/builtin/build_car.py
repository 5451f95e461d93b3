"""build-car: assemble a toy car from boxes and cylinders on a marked parking plate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class BuildCar(Task):
    """Two red chassis boxes, four black cylinder wheels and a blue cabin box lie on the table
    next to a flat grey parking plate. Build a car on the plate: first put the two chassis boxes
    end to end in the middle of the plate, then stand one wheel beside each corner of the
    chassis, and finally put the cabin on top of the chassis, across both boxes."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 10
        self.lang_template = "build a car: {step}"
        self.task_completed_desc = "done building the car."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)

        # The plate marks where the car goes, so that no part starts there.
        plate_size = (0.2, 0.22, 0.004)
        plate = self.fill_template("box/box-template.urdf", {"DIM": plate_size})
        plate_pose = self.get_random_pose(env, plate_size)
        env.add_object(plate, plate_pose, category="fixed", color=utils.COLORS["gray"])
        deck = plate_size[2] / 2  # height of the plate's top in its own frame

        def on_plate(x: float, y: float, z: float) -> tuple:
            return (utils.apply(plate_pose, (x, y, deck + z)), plate_pose[1])

        # The car's length runs along the plate's x axis.
        chassis_size = (0.06, 0.08, 0.03)
        wheel_size = (0.04, 0.04, 0.025)  # an upright cylinder: diameter, diameter, height
        cabin_size = (0.06, 0.06, 0.04)
        gap = 0.005  # between neighbouring parts, so that a part never lands on its neighbour
        chassis_x = chassis_size[0] / 2 + gap / 2
        wheel_y = chassis_size[1] / 2 + gap + wheel_size[0] / 2
        chassis_targets = [on_plate(x, 0, chassis_size[2] / 2) for x in (-chassis_x, chassis_x)]
        wheel_targets = [
            on_plate(x, y, wheel_size[2] / 2)
            for x in (-chassis_x, chassis_x)
            for y in (-wheel_y, wheel_y)
        ]
        cabin_target = on_plate(0, 0, chassis_size[2] + cabin_size[2] / 2)

        chassis_urdf = self.fill_template("box/box-template.urdf", {"DIM": chassis_size})
        chassis = [
            env.add_object(
                chassis_urdf, self.get_random_pose(env, chassis_size), color=utils.COLORS["red"]
            )
            for _ in range(2)
        ]
        wheel_dims = (wheel_size[0] / 2, wheel_size[1] / 2, wheel_size[2])  # the template's DIM0 is a radius
        wheel_urdf = self.fill_template("cylinder/cylinder-template.urdf", {"DIM": wheel_dims})
        wheels = [
            env.add_object(
                wheel_urdf, self.get_random_pose(env, wheel_size), color=utils.COLORS["black"]
            )
            for _ in range(4)
        ]
        cabin_urdf = self.fill_template("box/box-template.urdf", {"DIM": cabin_size})
        cabin = env.add_object(
            cabin_urdf, self.get_random_pose(env, cabin_size), color=utils.COLORS["blue"]
        )

        # Chassis first, then the wheels around it, then the cabin on top of it.
        n_parts = 7
        self.add_goal(
            objs=chassis,
            matches=np.ones((2, 2)),
            targ_poses=chassis_targets,
            replace=False,
            rotations=True,
            metric="pose",
            params=None,
            step_max_reward=2 / n_parts,
            symmetries=[np.pi] * 2,
            language_goal=self.lang_template.format(
                step="put the red boxes end to end on the plate"
            ),
        )
        self.add_goal(
            objs=wheels,
            matches=np.ones((4, 4)),
            targ_poses=wheel_targets,
            replace=False,
            rotations=False,
            metric="pose",
            params=None,
            step_max_reward=4 / n_parts,
            symmetries=[0] * 4,
            language_goal=self.lang_template.format(
                step="put a black wheel beside each corner of the chassis"
            ),
        )
        self.add_goal(
            objs=[cabin],
            matches=np.ones((1, 1)),
            targ_poses=[cabin_target],
            replace=False,
            rotations=True,
            metric="pose",
            params=None,
            step_max_reward=1 / n_parts,
            symmetries=[np.pi / 2],
            language_goal=self.lang_template.format(
                step="put the blue cabin on top of the chassis"
            ),
        )
