"""CLIPort task `assembling-kits-seq` (seen / unseen / full colour variants)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gensim.tasks import utils
from gensim.tasks.builtin.assembling_kits import AssemblingKits, shape_symmetry


class AssemblingKitsSeqUnseenColors(AssemblingKits):
    """A flat kit with five shaped holes lies on the table, and five loose shapes of different
    colours (letters and simple polygons) lie around it, one for each hole. Following the
    instructions one at a time, put the named shape of the named colour into the hole of the
    same shape, turned so that it fits the hole."""

    def __init__(self) -> None:
        super().__init__()
        self.lang_template = "put the {color} {shape} in the {shape} hole"
        self.task_completed_desc = "done assembling kit."
        self.additional_reset()

    def color_names(self) -> list[str]:
        """Colours of this variant: the training colours, as GenSim in every mode."""
        return utils.get_colors_names(self.mode)

    def shapes_and_colors(self, n_objects: int) -> tuple[list[int], list[str]]:
        """Distinct shapes of the split and distinct colours of this variant (each instruction
        names one object)."""
        shape_set = self.train_set if self.mode == "train" else self.test_set
        shapes = [int(s) for s in self.rng.choice(shape_set, n_objects, replace=False)]
        colors = [str(c) for c in self.rng.choice(self.color_names(), n_objects, replace=False)]
        return shapes, colors

    def add_goals(
        self, objects: list[int], targets: list[Any], shapes: list[int], colors: list[str]
    ) -> None:
        """One goal per shape, in a random order, each with its own instruction."""
        for i in self.rng.permutation(len(objects)):
            shape_name = utils.assembling_kit_shapes[shapes[i]]
            self.add_goal(
                objs=[objects[i]],
                matches=np.ones((1, 1)),
                targ_poses=[targets[i]],
                replace=False,
                rotations=True,
                metric="pose",
                params=None,
                step_max_reward=1 / len(objects),
                symmetries=[shape_symmetry(shapes[i])],
                language_goal=self.lang_template.format(color=colors[i], shape=shape_name),
            )


class AssemblingKitsSeqSeenColors(AssemblingKitsSeqUnseenColors):
    """A flat kit with five shaped holes lies on the table, and five loose shapes of different
    training colours lie around it, one for each hole. Following the instructions one at a
    time, put the named shape of the named colour into the hole of the same shape, turned so
    that it fits the hole."""

    def color_names(self) -> list[str]:
        """Training colours in every mode."""
        return utils.TRAIN_COLORS


class AssemblingKitsSeqFull(AssemblingKitsSeqUnseenColors):
    """A flat kit with five shaped holes lies on the table, and five loose shapes of different
    colours (drawn from all colours) lie around it, one for each hole. Following the
    instructions one at a time, put the named shape of the named colour into the hole of the
    same shape, turned so that it fits the hole."""

    def color_names(self) -> list[str]:
        """Training and evaluation colours together, in every mode."""
        return sorted(set(utils.TRAIN_COLORS) | set(utils.EVAL_COLORS))
