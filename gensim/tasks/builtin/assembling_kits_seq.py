"""CLIPort task `assembling-kits-seq` (seen / unseen / full colour variants)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gensim.tasks import utils
from gensim.tasks.builtin.assembling_kits import AssemblingKits, shape_symmetry


def hole_words(targets: list[Any], shapes: list[int]) -> list[str]:
    """Where each hole lies among the holes of the same shape, as the reference words it in
    the top-down view ("top ", "bottom ", "left ", "right ", "middle "; "" for a shape that
    has one hole): top/bottom when it is before/after all of them along x and mostly so,
    then left/right along y."""
    words = []
    for i, (pos, _) in enumerate(targets):
        others = [targets[j][0] for j, s in enumerate(shapes) if j != i and s == shapes[i]]
        if not others:
            words.append("")
        elif all(pos[0] < o[0] and abs(pos[0] - o[0]) > abs(pos[1] - o[1]) for o in others):
            words.append("top ")
        elif all(pos[0] > o[0] and abs(pos[0] - o[0]) > abs(pos[1] - o[1]) for o in others):
            words.append("bottom ")
        elif all(pos[1] < o[1] for o in others):
            words.append("left ")
        elif all(pos[1] > o[1] for o in others):
            words.append("right ")
        else:
            words.append("middle ")
    return words


class AssemblingKitsSeqUnseenColors(AssemblingKits):
    """A flat kit with five shaped holes lies on the table, and five loose shapes of different
    colours (letters and simple polygons) lie around it, one for each hole. Following the
    instructions one at a time, put the named shape of the named colour into its hole (named
    by where it lies when two holes have the same shape), turned so that it fits the hole."""

    def __init__(self) -> None:
        super().__init__()
        self.lang_template = "put the {color} {obj} in the {loc}{obj} hole"
        self.task_completed_desc = "done assembling kit."
        self.additional_reset()

    def shapes_and_colors(self, n_objects: int) -> tuple[list[int], list[str]]:
        """The shapes (`get_kitting_shapes`, repeats allowed) and the split's colours in order
        (the training colours: blue, red, green, yellow, brown), as the reference."""
        shapes = [int(s) for s in self.get_kitting_shapes(n_objects)]
        return shapes, utils.get_colors_names(self.mode)[:n_objects]

    def add_goals(
        self, objects: list[int], targets: list[Any], shapes: list[int], colors: list[str]
    ) -> None:
        """One goal per shape, each into its own hole, in an order shuffled with one
        `shuffle` (the reference's draw), each with its own instruction."""
        words = hole_words(targets, shapes)
        order = list(range(len(objects)))
        np.random.shuffle(order)
        for i in order:
            shape_name = utils.assembling_kit_shapes[shapes[i]]
            self.add_goal(
                objs=[objects[i]],
                matches=np.ones((1, 1), dtype=np.int32),
                targ_poses=[targets[i]],
                replace=False,
                rotations=True,
                metric="pose",
                params=None,
                step_max_reward=1 / len(objects),
                symmetries=[shape_symmetry(shapes[i])],
                language_goal=self.lang_template.format(color=colors[i], obj=shape_name, loc=words[i]),
            )


class AssemblingKitsSeqSeenColors(AssemblingKitsSeqUnseenColors):
    """A flat kit with five shaped holes lies on the table, and five loose shapes of different
    training colours lie around it, one for each hole. Following the instructions one at a
    time, put the named shape of the named colour into its hole, turned so that it fits."""


class AssemblingKitsSeqFull(AssemblingKitsSeqUnseenColors):
    """A flat kit with five shaped holes lies on the table, and five loose shapes of different
    colours (GenSim's full split, drawn from the training colours) lie around it, one for each
    hole. Following the instructions one at a time, put the named shape of the named colour
    into its hole, turned so that it fits."""
