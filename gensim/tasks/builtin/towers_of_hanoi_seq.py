"""towers-of-hanoi-seq (CLIPort): towers of Hanoi with coloured rings and one instruction per move."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.builtin.towers_of_hanoi import add_starting_stack, move_targets
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment


class TowersOfHanoiSeq(Task):
    """A fixed stand with three rods holds a stack of three rings of different colours and
    decreasing size on its lighter brown side. Following one instruction per move, carry the
    named ring to the named rod (lighter brown side, middle of the stand, darker brown side)
    until the whole stack sits on the darker brown side, never a larger ring on a smaller one.
    The ring colours are drawn from the training colours in every split, as GenSim draws them."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 14
        self.lang_template = "move the {obj} ring to the {loc}"
        self.task_completed_desc = "solved towers of hanoi."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)

        stand_size = (0.12, 0.36, 0.01)
        stand_pose = self.get_random_pose(env, stand_size)
        env.add_object("hanoi/stand.urdf", stand_pose, category="fixed")
        rod_names = ["lighter brown side", "middle of the stand", "darker brown side"]

        # Three distinct colours with one `random.sample`, as the reference's `get_colors` draws.
        _, names = utils.get_colors(self.mode, n_colors=3)
        disks = add_starting_stack(env, stand_pose, names)

        moves = move_targets(stand_pose, len(disks))
        for disk, target, target_pose in moves:
            self.add_goal(
                objs=[disks[disk]],
                matches=np.ones((1, 1)),
                targ_poses=[target_pose],
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
    GenSim's seen-colours variant (training colours, as in every split there)."""


class TowersOfHanoiSeqUnseenColors(TowersOfHanoiSeq):
    """A fixed stand with three rods holds a stack of three rings of different colours and
    decreasing size on its lighter brown side. Following one instruction per move, carry the
    named ring to the named rod (lighter brown side, middle of the stand, darker brown side)
    until the whole stack sits on the darker brown side, never a larger ring on a smaller one.
    GenSim's unseen-colours variant; its colour list ignores the split, so training colours
    here too (docs/fidelity.md)."""


class TowersOfHanoiSeqFull(TowersOfHanoiSeq):
    """A fixed stand with three rods holds a stack of three rings of different colours and
    decreasing size on its lighter brown side. Following one instruction per move, carry the
    named ring to the named rod (lighter brown side, middle of the stand, darker brown side)
    until the whole stack sits on the darker brown side, never a larger ring on a smaller one.
    GenSim's full variant (training colours, as the reference draws them)."""
