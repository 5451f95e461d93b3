"""CLIPort task `packing-boxes-pairs` (seen / unseen / full colour variants)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.builtin.packing_boxes import split_volume
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class PackingBoxesPairsUnseenColors(Task):
    """An open brown container lies on the table with boxes around it: boxes of two colours
    that together exactly fill the container's floor, and a few distractor boxes of other
    colours. Pack all the boxes of the two named colours into the container and leave the
    distractors out."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 20
        self.lang_template = "pack all the {colors} blocks into the brown box"
        self.task_completed_desc = "done packing blocks."
        self.additional_reset()

    def color_names(self) -> list[str]:
        """Colours of this variant: training colours in train mode, evaluation colours otherwise."""
        return utils.get_colors_names(self.mode)

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

        # Brown is the container's colour: keep it out of the boxes.
        names = [str(n) for n in self.rng.permutation(self.color_names()) if n != "brown"]
        pair, distractor_colors = names[:2], names[2:]

        # The boxes to pack fill the container's inner floor, 5 mm of play around each.
        inner = (zone_size[0] - 0.02, zone_size[1] - 0.02, zone_size[2])
        cells = split_volume(inner, min_dim=0.05, margin=0.01, rng=self.rng)
        # One zone per slot (the slots tile the floor), so each box is measured in its own slot.
        boxes, targets, slots = [], [], []
        for i, (centre, extent) in enumerate(cells):
            box_size = (extent[0], extent[1], 0.04)
            box_urdf = self.fill_template("box/box-template.urdf", {"DIM": box_size})
            box_pose = self.get_random_pose(env, box_size)
            boxes.append(env.add_object(box_urdf, box_pose, color=pair[i % 2]))
            slot = utils.apply(zone_pose, (centre[0], centre[1], box_size[2] / 2 - half[2]))
            targets.append((slot, zone_pose[1]))
            slot_size = (extent[0] + 0.01, extent[1] + 0.01, zone_size[2])
            slots.append(((slot, zone_pose[1]), slot_size))

        # Distractors stay outside the container.
        for _ in range(int(self.rng.integers(2, 4))):
            box_size = self.get_random_size(0.04, 0.07, 0.04, 0.07, 0.04, 0.04)
            box_urdf = self.fill_template("box/box-template.urdf", {"DIM": box_size})
            box_pose = self.get_random_pose(env, box_size)
            color = distractor_colors[self.rng.integers(len(distractor_colors))]
            env.add_object(box_urdf, box_pose, color=color)

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
            language_goal=self.lang_template.format(colors=f"{pair[0]} and {pair[1]}"),
        )


class PackingBoxesPairsSeenColors(PackingBoxesPairsUnseenColors):
    """An open brown container lies on the table with boxes around it: boxes of two colours
    (training colours) that together exactly fill the container's floor, and a few distractor
    boxes of other colours. Pack all the boxes of the two named colours into the container."""

    def color_names(self) -> list[str]:
        """Training colours in every mode."""
        return utils.TRAIN_COLORS


class PackingBoxesPairsFull(PackingBoxesPairsUnseenColors):
    """An open brown container lies on the table with boxes around it: boxes of two colours
    (from all colours) that together exactly fill the container's floor, and a few distractor
    boxes of other colours. Pack all the boxes of the two named colours into the container."""

    def color_names(self) -> list[str]:
        """Training and evaluation colours together, in every mode."""
        return sorted(set(utils.TRAIN_COLORS) | set(utils.EVAL_COLORS))
