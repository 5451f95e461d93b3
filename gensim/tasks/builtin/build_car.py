"""build-car (GenSim): assemble a toy car from blocks and cylinders around a marked corner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gensim.tasks import utils
from gensim.tasks.builtin.assembly import add_build_steps
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

CAR_POSE = ((0.5, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0))  # fixed, marked by a corner anchor
BASE_SPACING = 0.04  # m between the two base blocks' centres
WHEEL_SPACING = 0.12  # m between wheel centres along each axis


class BuildCar(Task):
    """Two red base blocks, a blue body block and four black cylinder wheels lie on the table;
    a green corner marks where the car goes. Build a simple car there: first put the two red
    blocks side by side as its base, then the blue block on top of the base as its body, then
    one black cylinder at each corner around the base as its wheels."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 15
        self.lang_template = (
            "Construct a simple car structure using blocks and cylinders. "
            "Firstly, create the base of the car by positioning two red blocks side by side. "
            "Then, add the car body by stacking a blue block on top of the base. "
            "For the wheels, place a black cylinder on each side of the base blocks."
        )
        self.task_completed_desc = "done building car."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        # The reference's order: the anchor, two base blocks, the body, four wheels (one
        # pose draw each); sizes and targets are its numbers.
        self.add_corner_anchor_for_pose(env, CAR_POSE)

        def at(x: float, y: float) -> tuple:
            return (utils.apply(CAR_POSE, (x, y, 0.001)), CAR_POSE[1])

        base_size = (0.02, 0.04, 0.02)
        base_urdf = self.fill_template("box/box-template.urdf", {"DIM": base_size})
        half = BASE_SPACING / 2
        base_targets = [at(half, half), at(-half, half)]
        base = [env.add_object(base_urdf, self.get_random_pose(env, base_size), color=utils.COLORS["red"])
                for _ in range(2)]

        body_size = (0.04, 0.02, 0.02)
        body_urdf = self.fill_template("box/box-template.urdf", {"DIM": body_size})
        body = env.add_object(body_urdf, self.get_random_pose(env, body_size), color=utils.COLORS["blue"])

        half = WHEEL_SPACING / 2
        wheel_targets = [at(half, half), at(-half, half), at(half, -half), at(-half, -half)]
        wheel_size = (0.02, 0.02, 0.02)  # the template's DIM0 is the radius
        wheel_urdf = self.fill_template("cylinder/cylinder-template.urdf", {"DIM": wheel_size})
        wheels = [env.add_object(wheel_urdf, self.get_random_pose(env, wheel_size), color=utils.COLORS["black"])
                  for _ in range(4)]

        steps = [
            (base, base_targets, "Firstly, create the base of the car by positioning two red blocks side by side."),
            ([body], [CAR_POSE], "Then, add the car body by stacking a blue block on top of the base."),
            (wheels, wheel_targets, "For the wheels, place a black cylinder on each side of the base blocks."),
        ]
        add_build_steps(self, steps)
