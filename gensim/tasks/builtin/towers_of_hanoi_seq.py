"""towers-of-hanoi-seq (CLIPort): towers of Hanoi with coloured rings and one instruction per move."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.builtin.towers_of_hanoi import (
    DISK_HEIGHT,
    DISK_URDFS,
    ROD_OFFSETS,
    SPAWN_GAP,
    hanoi_moves,
)
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class TowersOfHanoiSeq(Task):
    """A fixed stand with three rods holds a stack of three rings of different colours and
    decreasing size on its lighter brown side. Following one instruction per move, carry the
    named ring to the named rod (lighter brown side, middle of the stand, darker brown side)
    until the whole stack sits on the darker brown side, never a larger ring on a smaller one.
    Training episodes use the seen colours, the others the unseen ones."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 14
        self.lang_template = "move the {obj} ring to the {loc}"
        self.task_completed_desc = "solved towers of hanoi."
        self.additional_reset()

    def color_names(self) -> list[str]:
        """The colour names this variant draws from (seen colours in training, unseen otherwise)."""
        return utils.get_colors_names(self.mode)

    def reset(self, env: Environment) -> None:
        super().reset(env)

        stand_size = (0.12, 0.36, 0.01)
        stand_pose = self.get_random_pose(env, stand_size)
        env.add_object("hanoi/stand.urdf", stand_pose, category="fixed")
        rod_names = ["lighter brown side", "middle of the stand", "darker brown side"]

        n_disks = 3
        names = [str(name) for name in self.rng.choice(self.color_names(), n_disks, replace=False)]
        rods = [utils.apply(stand_pose, offset) for offset in ROD_OFFSETS]
        disks = []
        for i in range(n_disks):
            level = n_disks - 1 - i
            pos = (rods[0][0], rods[0][1], rods[0][2] + level * (DISK_HEIGHT + SPAWN_GAP))
            pose = (pos, stand_pose[1])
            disks.append(env.add_object(DISK_URDFS[i], pose, color=utils.COLORS[names[i]]))

        stack_heights = [n_disks, 0, 0]
        moves = hanoi_moves(n_disks - 1, 0, 2, 1)
        for disk, source, target in moves:
            stack_heights[source] -= 1
            rod = rods[target]
            pos = (rod[0], rod[1], rod[2] + stack_heights[target] * DISK_HEIGHT)
            stack_heights[target] += 1
            self.add_goal(
                objs=[disks[disk]],
                matches=np.ones((1, 1)),
                targ_poses=[(pos, stand_pose[1])],
                replace=False,
                rotations=False,
                metric="pose",
                params=None,
                step_max_reward=1 / len(moves),
                symmetries=[0],
                language_goal=self.lang_template.format(obj=names[disk], loc=rod_names[target]),
            )


class TowersOfHanoiSeqSeenColors(TowersOfHanoiSeq):
    """A fixed stand with three rods holds a stack of three rings of different colours and
    decreasing size on its lighter brown side. Following one instruction per move, carry the
    named ring to the named rod (lighter brown side, middle of the stand, darker brown side)
    until the whole stack sits on the darker brown side, never a larger ring on a smaller one.
    All episodes use the seen (training) colours."""

    def color_names(self) -> list[str]:
        """Always the seen (training) colours."""
        return list(utils.TRAIN_COLORS)


class TowersOfHanoiSeqUnseenColors(TowersOfHanoiSeq):
    """A fixed stand with three rods holds a stack of three rings of different colours and
    decreasing size on its lighter brown side. Following one instruction per move, carry the
    named ring to the named rod (lighter brown side, middle of the stand, darker brown side)
    until the whole stack sits on the darker brown side, never a larger ring on a smaller one.
    Training episodes use the seen colours, validation and test episodes the unseen ones."""


class TowersOfHanoiSeqFull(TowersOfHanoiSeq):
    """A fixed stand with three rods holds a stack of three rings of different colours and
    decreasing size on its lighter brown side. Following one instruction per move, carry the
    named ring to the named rod (lighter brown side, middle of the stand, darker brown side)
    until the whole stack sits on the darker brown side, never a larger ring on a smaller one.
    Colours come from the seen and unseen sets together."""

    def color_names(self) -> list[str]:
        """The seen and unseen colours together (sorted, so that episodes are reproducible)."""
        return sorted(set(utils.TRAIN_COLORS) | set(utils.EVAL_COLORS))
