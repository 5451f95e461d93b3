"""Ravens task `packing-boxes`: fill a container with the boxes its volume was cut into."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gensim.tasks import utils
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

MIN_DIM = 0.05  # m: a side is cut only while it is longer than twice this
MARGIN = 0.01  # m: gap left between the two halves of a cut
WALL = 0.01  # m: room left for the container's walls on each side


def split_container(zone_size: Any, min_dim: float = MIN_DIM, margin: float = MARGIN) -> list[np.ndarray]:
    """Cut the inside of a container of `zone_size` into boxes, as the reference does.

    Boxes are `(x0, y0, z0, x1, y1, z1)` from the container's lower corner. A box is cut
    across one of its axes longer than `2 * min_dim` (chosen with one `choice` weighted
    evenly over them), at one `rand` along it, leaving `margin` between the halves; the first
    half is cut further before the second (the reference's depth-first order of draws)."""
    inner = np.array(zone_size, dtype=np.float64)
    inner[:2] -= WALL
    pending = [np.array((WALL, WALL, 0.0, *inner))]
    boxes: list[np.ndarray] = []
    while pending:
        box = pending.pop()
        size = box[3:] - box[:3]
        cuttable = size > 2 * min_dim
        if not cuttable.any():
            boxes.append(box)
            continue
        weights = np.float32(cuttable) / np.sum(cuttable)
        axis = int(np.random.choice(range(3), 1, p=weights)[0])
        cut = np.random.rand() * (size[axis] - 2 * min_dim) + box[axis] + min_dim
        first, second = box.copy(), box.copy()
        first[3 + axis] = cut - margin / 2
        second[axis] = cut + margin / 2
        pending += [second, first]  # the first half is taken next
    return boxes


def box_in_container(box: np.ndarray, zone_pose: Any, zone_size: Any) -> tuple[tuple[float, ...], Any]:
    """The size of a cut box and its pose inside the container (the world frame)."""
    size = box[3:] - box[:3]
    position = size / 2 + box[:3]
    position[:2] -= np.asarray(zone_size[:2], dtype=np.float64) / 2
    return tuple(float(v) for v in size), utils.multiply(zone_pose, (position, (0, 0, 0, 1)))


def scatter(env: Environment, task: Task, objs: list[int]) -> list[Any]:
    """Move each object from its place in the container to a random free pose on the table,
    one after the other; returns the places they left (their goal poses)."""
    places = []
    for obj in objs:
        places.append(env.get_object_pose(obj))
        position, rotation = task.get_random_pose(env, env.p.getVisualShapeData(obj, physicsClientId=env.client)[0][3])
        env.p.resetBasePositionAndOrientation(obj, position, rotation, physicsClientId=env.client)
    return places


class PackingBoxes(Task):
    """An open brown container lies on the table, and around it lie several boxes of random
    colours and sizes that together fill the container exactly, as if its volume had been cut
    into pieces. Pack all the boxes into the container."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 20
        self.lang_template = "pack all the boxes inside the brown box"
        self.task_completed_desc = "done packing boxes."
        self.zone_bounds = np.array([[0.25, 0.75], [-0.5, 0.5], [0, 0.08]])
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)
        zone_size = self.get_random_size(0.05, 0.3, 0.05, 0.3, 0.05, 0.05)
        zone_pose = self.get_random_pose(env, zone_size)
        container_urdf = self.fill_template(
            "container/container-template.urdf", {"DIM": zone_size, "HALF": np.array(zone_size) / 2}
        )
        env.add_object(container_urdf, zone_pose, "fixed")

        # The boxes start in the container (one colour draw each, any colour but brown), then
        # leave it one by one for a free place on the table.
        colors = [utils.COLORS[name] for name in utils.PALETTE if name != "brown"]
        boxes = []
        for box in split_container(zone_size):
            size, pose = box_in_container(box, zone_pose, zone_size)
            urdf = self.fill_template("box/box-template.urdf", {"DIM": size})
            color = colors[int(np.random.choice(range(len(colors)), 1).squeeze())]
            boxes.append(env.add_object(urdf, pose, color=color))
        places = scatter(env, self, boxes)

        self.add_goal(
            objs=boxes,
            matches=np.eye(len(boxes)),
            targ_poses=places,
            replace=False,
            rotations=True,
            metric="zone",
            params=[(zone_pose, zone_size)],
            step_max_reward=1,
            # The reference passes no symmetries (its expert turns every box to its target yaw
            # anyway); ours turns an object only for a symmetry above 0, and a box has pi.
            symmetries=[np.pi] * len(boxes),
            language_goal=self.lang_template,
        )
