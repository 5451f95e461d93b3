"""Ravens task `packing-boxes`: fill a container with the boxes its volume was cut into."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.randomness import RandomSource
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

Cell = tuple[np.ndarray, np.ndarray]  # (centre xyz, size xyz) in the container's frame


def split_volume(
    size: tuple[float, float, float], min_dim: float, margin: float, rng: RandomSource
) -> list[Cell]:
    """Cut a box of `size` into cells by recursive random cuts across x or y.

    A side is cut only while both halves stay at least `min_dim` long; each cut leaves a gap of
    `margin` between its two halves, so the cells fit side by side inside `size`.
    """
    cells: list[Cell] = []
    pending = [(np.zeros(3), np.array(size, dtype=float))]
    while pending:
        low, high = pending.pop()
        extent = high - low
        cuttable = extent[:2] > 2 * min_dim + margin
        if not cuttable.any():
            cells.append(((low + high) / 2, extent))
            continue
        axis = int(rng.choice(np.flatnonzero(cuttable)))
        cut = rng.uniform(low[axis] + min_dim + margin / 2, high[axis] - min_dim - margin / 2)
        first_high, second_low = high.copy(), low.copy()
        first_high[axis] = cut - margin / 2
        second_low[axis] = cut + margin / 2
        pending += [(low, first_high), (second_low, high)]
    return [(centre - np.array(size) / 2, extent) for centre, extent in cells]


class PackingBoxes(Task):
    """An open brown container lies on the table, and around it lie several boxes of random
    colours and sizes that together fill the container's floor exactly, as if its volume had
    been cut into pieces. Pack all the boxes into the container, each one into its own slot."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 20
        self.lang_template = "pack all the boxes inside the brown box"
        self.task_completed_desc = "done packing boxes."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)

        zone_size = self.get_random_size(0.15, 0.25, 0.15, 0.25, 0.05, 0.05)
        zone_pose = self.get_random_pose(env, zone_size)
        half = np.array(zone_size) / 2
        container_urdf = self.fill_template(
            "container/container-template.urdf", {"DIM": zone_size, "HALF": half}
        )
        container_id = env.add_object(container_urdf, zone_pose, "fixed")
        self.color_random_brown(container_id)

        # Slots inside the walls: cut the inner floor, leave 5 mm of play around each box.
        inner = (zone_size[0] - 0.02, zone_size[1] - 0.02, zone_size[2])
        cells = split_volume(inner, min_dim=0.05, margin=0.01, rng=self.rng)

        color_names = [name for name in utils.COLORS if name != "brown"]
        # One zone per slot (the slots tile the floor), so each box is measured in its own slot.
        boxes, targets, slots = [], [], []
        for centre, extent in cells:
            box_size = (extent[0], extent[1], 0.04)
            box_urdf = self.fill_template("box/box-template.urdf", {"DIM": box_size})
            box_pose = self.get_random_pose(env, box_size)
            color = color_names[self.rng.integers(len(color_names))]
            boxes.append(env.add_object(box_urdf, box_pose, color=color))
            slot = utils.apply(zone_pose, (centre[0], centre[1], box_size[2] / 2 - half[2]))
            targets.append((slot, zone_pose[1]))
            slot_size = (extent[0] + 0.01, extent[1] + 0.01, zone_size[2])
            slots.append(((slot, zone_pose[1]), slot_size))

        self.add_goal(
            objs=boxes,
            matches=np.eye(len(boxes)),
            targ_poses=targets,
            replace=False,
            rotations=True,
            metric="zone",
            params=slots,
            step_max_reward=1,
            symmetries=[np.pi] * len(boxes),
            language_goal=self.lang_template,
        )
