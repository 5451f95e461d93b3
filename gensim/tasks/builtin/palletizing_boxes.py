"""palletizing-boxes (Ravens/GenSim): stack boxes on a pallet, layer by layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

PALLET_POSE = ((0.5, 0.25, 0.02), (0.0, 0.0, 0.0, 1.0))
ZONE_SIZE = (0.3, 0.25, 0.25)  # the pallet's zone: footprint and height the boxes must be within
STACK_SIZE = np.array((0.19, 0.19, 0.19))
STACK_DIM = (2, 3, 3)  # boxes along x, y and layers; x and y swap every layer
MARGIN = 0.01  # m between boxes
PARKED = -10.0  # m added to y: boxes not yet handed out wait far off the table
PARK_SPACING = 0.5  # m along x between two parked boxes
SPAWN_POSE = (0.5, -0.25, 0.1)  # where the next box is handed out
WORKSPACE_Y = (-0.5, 0.0)  # a box with y in here is on the table, not yet on the pallet
SPAWN_SETTLE_STEPS = 480


class PalletizingBoxes(Task):
    """A wooden pallet stands at the back of the table; eighteen boxes of one size and random
    shades of brown are handed out one at a time in front of it. Stack them all on the pallet:
    three layers, each turned a quarter turn against the one below (two by three boxes, then
    three by two).

    Set up as the reference does, draw for draw: the 18 boxes are built in their places on the
    pallet (one brown shade each), then taken off top first (one random pixel of the top layer
    per box) and parked off the table; each time no box is left on the table the next one, in
    the reverse order, appears at the front with a random yaw. The reference pairs each box
    with the place of the box taken off at the same rank (its `matches` is the identity over
    the list in taking-off order); here each box's target is the place it was built in."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 30
        self.lang_template = "stack all the boxes on the pallet"
        self.task_completed_desc = "done stacking boxes."
        self.queue: list[int] = []  # boxes still parked, in the order they are handed out
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        env.add_object("pallet/pallet.urdf", PALLET_POSE, "fixed")

        dims = list(STACK_DIM)
        box_size = (STACK_SIZE - (np.array(STACK_DIM) - 1) * MARGIN) / np.array(STACK_DIM)
        boxes = []
        for z in range(dims[2]):
            dims[0], dims[1] = dims[1], dims[0]  # transpose every layer
            box_size[0], box_size[1] = box_size[1], box_size[0]
            for y in range(dims[1]):
                for x in range(dims[0]):
                    position = np.array((x + 0.5, y + 0.5, z + 0.5)) * box_size
                    position[0] += x * MARGIN - STACK_SIZE[0] / 2
                    position[1] += y * MARGIN - STACK_SIZE[1] / 2
                    position[2] += z * MARGIN + 0.03
                    pose = utils.multiply(PALLET_POSE, (tuple(position), (0.0, 0.0, 0.0, 1.0)))
                    urdf = self.fill_template("box/box-template.urdf", {"DIM": tuple(box_size)})
                    box = env.add_object(urdf, pose)
                    self.color_random_brown(box)
                    boxes.append(box)

        # Take the stack apart top first, one random pixel of the top layer per box.
        places = {}
        left = list(boxes)
        taken: list[int] = []
        while left:
            _, height, mask = self.get_true_image(env)
            top = np.argwhere(height > np.max(height) - 0.03)
            pixel = top[int(np.floor(np.random.random() * len(top)))]
            box = int(mask[pixel[0], pixel[1]])
            if box not in left:
                continue
            position, rotation = env.get_object_pose(box)
            places[box] = (tuple(position), tuple(rotation))
            # Each on its own, resting on the ground: a parked stack would sag whenever its
            # bottom box is handed out, and keep the physics busy far off the table.
            parked = (position[0] + PARK_SPACING * len(taken), position[1] + PARKED, box_size[2] / 2)
            env.p.resetBasePositionAndOrientation(box, parked, rotation, physicsClientId=env.client)
            taken.append(box)
            left.remove(box)
        self.queue = taken[::-1]  # built back bottom first

        self.add_goal(
            objs=boxes,
            matches=np.eye(len(boxes)),
            targ_poses=[places[b] for b in boxes],
            replace=False,
            rotations=True,
            metric="zone",
            params=[(PALLET_POSE, ZONE_SIZE)],
            step_max_reward=1,
            language_goal=self.lang_template,
        )
        self.spawn_box()

    def reward(self) -> tuple[float, dict[str, Any]]:
        """The stock reward, then the next box handed out when the table is clear (as the
        reference's `reward`, which the environment calls after every action)."""
        result = super().reward()
        self.spawn_box()
        return result

    def spawn_box(self) -> None:
        """Hand out the next parked box when no box is on the table; end the episode when none
        is left to hand out and the goal is still open (a box fell off the pallet)."""
        env = self.env
        if self.goals:
            on_table = any(WORKSPACE_Y[0] <= env.get_object_pose(obj)[0][1] <= WORKSPACE_Y[1]
                           for obj in self.goals[0].objs)
            if not self.queue:
                self.goals = []
                self.warn("palletizing-boxes: a box left the pallet with none left to hand out; episode ended")
                return
            if not on_table:
                box = self.queue.pop(0)
                theta = np.random.random() * 2 * np.pi
                rotation = utils.eulerXYZ_to_quatXYZW((0.0, 0.0, theta))
                env.p.resetBasePositionAndOrientation(box, SPAWN_POSE, rotation, physicsClientId=env.client)
        env.step_physics(SPAWN_SETTLE_STEPS)
