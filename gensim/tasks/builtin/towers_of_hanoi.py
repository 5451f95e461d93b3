"""towers-of-hanoi (Ravens): move a stack of three disks to the far rod, one disk at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gensim.tasks import utils
from gensim.tasks.goals import Pose
from gensim.tasks.task import Task

if TYPE_CHECKING:
    from gensim.sim.environment import Environment

# Rod positions in the stand's frame, at the reference's height (3 cm: the middle of the peg).
# Goals compare positions in the plane, so this height only matters for the starting stack.
ROD_OFFSETS = [(0, -0.12, 0.03), (0, 0, 0.03), (0, 0.12, 0.03)]
# The thickness of one ring (1 cm) and the spacing of the starting stack (1.5 cm, the
# reference's: the rings drop a few millimetres onto each other and the base).
DISK_HEIGHT = 0.01
SPAWN_STEP = 0.015
# Height of the centre of a ring resting on the base (whose top is at z = 0.005).
REST_Z = 0.01
# Rings from the smallest up, as the reference's `disk0`..`disk2`.
DISK_URDFS = ["hanoi/disk0.urdf", "hanoi/disk1.urdf", "hanoi/disk2.urdf"]


def hanoi_moves(disk: int, source: int, target: int, spare: int) -> list[tuple[int, int, int]]:
    """The moves `(disk, from_rod, to_rod)` that carry disks `0..disk` (0 is the smallest) from
    `source` to `target` without ever putting a disk on a smaller one."""
    if disk < 0:
        return []
    return (
        hanoi_moves(disk - 1, source, spare, target)
        + [(disk, source, target)]
        + hanoi_moves(disk - 1, spare, target, source)
    )


def add_starting_stack(env: Environment, stand_pose: Pose, colors: list[str] | None = None) -> list[int]:
    """The rings on the first rod, smallest on top, at the reference's heights; their ids from
    the smallest up. `colors` names each ring's colour (default: the assets' own)."""
    x, y, z = utils.apply(stand_pose, ROD_OFFSETS[0])
    disks = []
    for i, urdf in enumerate(DISK_URDFS):
        pose = ((x, y, z + SPAWN_STEP * (len(DISK_URDFS) - i - 2)), stand_pose[1])
        color = None if colors is None else utils.COLORS[colors[i]]
        disks.append(env.add_object(urdf, pose, color=color))
    return disks


def move_targets(stand_pose: Pose, n_disks: int) -> list[tuple[int, int, Pose]]:
    """`(disk, to_rod, pose)` for each move of the shortest solution from the first rod to the
    third: where the moved ring comes to rest on the rings already there."""
    stack_heights = [n_disks, 0, 0]
    targets = []
    for disk, source, target in hanoi_moves(n_disks - 1, 0, 2, 1):
        stack_heights[source] -= 1
        x, y, _ = ROD_OFFSETS[target]
        pos = utils.apply(stand_pose, (x, y, REST_Z + stack_heights[target] * DISK_HEIGHT))
        stack_heights[target] += 1
        targets.append((disk, target, (pos, stand_pose[1])))
    return targets


class TowersOfHanoi(Task):
    """A fixed stand with three rods holds a stack of three disks of decreasing size on its first
    rod. Move the whole stack to the third rod, one disk per step, never placing a larger disk on
    a smaller one; the expert follows the shortest solution of seven moves."""

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 14
        self.lang_template = "solve towers of hanoi"
        self.task_completed_desc = "solved towers of hanoi."
        self.additional_reset()

    def reset(self, env: Environment) -> None:
        super().reset(env)

        stand_size = (0.12, 0.36, 0.01)
        stand_pose = self.get_random_pose(env, stand_size)
        env.add_object("hanoi/stand.urdf", stand_pose, category="fixed")

        # The smallest disk sits on top of the starting stack on the first rod.
        disks = add_starting_stack(env, stand_pose)

        # One goal per move. Disks are round, so yaw is neither carried nor checked.
        moves = move_targets(stand_pose, len(disks))
        for disk, _, target_pose in moves:
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
                language_goal=self.lang_template,
            )
