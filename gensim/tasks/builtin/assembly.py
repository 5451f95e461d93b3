"""Goals of a structure built in order (build-car, build-house): one pose goal per step.

Each step is a group of interchangeable objects, the targets they may take in any assignment
(each target once), and the words of that step's instruction. A step is a goal of its own, so
the expert finishes one before it starts the next, and every part rests on what the steps
before it placed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from gensim.tasks.task import Task

Step = tuple[Sequence[int], Sequence[Any], str]  # objects, their target poses, the step's words


def add_build_steps(task: Task, steps: Sequence[Step], *, symmetry: float = 0.0,
                    share_by_objects: bool = False) -> None:
    """Add one goal per step, in order: any object of the step on any of its targets, yaw
    checked modulo `symmetry` (rad; 0 checks no yaw). Each step's share of the reward is
    equal, or proportional to its number of objects with `share_by_objects`."""
    total = sum(len(objs) for objs, _, _ in steps)
    for objs, targets, words in steps:
        n = len(objs)
        task.add_goal(
            objs=list(objs),
            matches=np.ones((n, len(targets))),
            targ_poses=list(targets),
            replace=False,
            rotations=True,
            metric="pose",
            params=None,
            step_max_reward=n / total if share_by_objects else 1 / len(steps),
            symmetries=[symmetry] * n,
            language_goal=words,
        )
