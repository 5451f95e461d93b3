"""What task code changes in its own `reward()` after an action is recorded and made again by the
replay (the reference's palletizing-boxes hands out the next box there), but only moves of the
task's objects and physics steps, and never a move that brings the goal closer."""

from __future__ import annotations

from typing import Any

import numpy as np

from gensim.checking.gate import check_task
from gensim.checking.stages import Stage
from gensim.sim.environment import Environment
from gensim.tasks.task import Task

FLAT = (0.0, 0.0, 0.0, 1.0)
PARKED = (0.5, -9.0, 0.02)  # far off the table, on the ground plane
HANDED_OUT = (0.5, -0.3, 0.02)
TARGETS = [((0.5, 0.1, 0.02), FLAT), ((0.5, 0.2, 0.02), FLAT)]


class HandOut(Task):
    """Two blocks to two targets; the second waits off the table until the first is placed,
    then the task's reward() puts it on the table (or, `cheat`, straight onto its target)."""

    cheat = False

    def __init__(self) -> None:
        super().__init__()
        self.max_steps = 4

    def reset(self, env: Environment) -> None:
        super().reset(env)
        first = env.add_object("stacking/block.urdf", (HANDED_OUT, FLAT))
        self.waiting = env.add_object("stacking/block.urdf", (PARKED, FLAT))
        self.add_goal(objs=[first, self.waiting], matches=np.eye(2), targ_poses=TARGETS, replace=False,
                      rotations=False, metric="pose", params=None, step_max_reward=1.0,
                      language_goal="place the blocks")

    def reward(self) -> tuple[float, dict[str, Any]]:
        result = super().reward()
        env = self.env
        if self.waiting is not None and env.get_object_pose(self.waiting)[0][1] < -5:
            place = TARGETS[1][0] if self.cheat else HANDED_OUT
            env.p.resetBasePositionAndOrientation(self.waiting, place, FLAT, physicsClientId=env.client)
            env.step_physics(240)
            self.waiting = None
        return result


class CheatingHandOut(HandOut):
    cheat = True


def test_objects_handed_out_from_reward_are_replayed_and_the_task_passes() -> None:
    verdict = check_task(HandOut, seeds=[0], threshold=1.0)
    assert verdict.passed, verdict.errors
    assert verdict.rewards == [1.0]
    assert not verdict.disagreements


def test_a_reward_that_moves_an_object_onto_its_target_is_refused() -> None:
    verdict = check_task(CheatingHandOut, seeds=[0], threshold=1.0)
    assert not verdict.passed
    assert verdict.stage == Stage.REPLAY.value, verdict.errors
    assert "moved an object towards the goal" in " ".join(verdict.errors)


def test_a_sleeping_object_task_code_moves_falls_in_the_recorder() -> None:
    # After an action the objects at rest sleep (`Environment.rest`), and Bullet leaves a sleeping
    # body where code puts it. Task code in the sandbox calls pybullet itself, stepping too: the
    # recorder wakes what it moves, as the replay's environment does before its next step.
    import pybullet

    from gensim.checking.recorder import CallLog, RecordingEnvironment, recording_pybullet
    from gensim.sim.assets import default_assets_root

    task = HandOut()
    task.seed(0)
    log = CallLog(default_assets_root())
    with recording_pybullet(log):
        env = RecordingEnvironment(log, render_obs=False)
        try:
            env.set_task(task)
            env.reset()
            first = task.goals[0].objs[0]
            env.step({"pose0": (HANDED_OUT, FLAT), "pose1": TARGETS[0]})
            assert first in env._asleep
            pybullet.resetBasePositionAndOrientation(first, (0.6, 0.0, 0.15), FLAT, physicsClientId=env.client)
            for _ in range(240):
                pybullet.stepSimulation(physicsClientId=env.client)
            assert env.get_object_pose(first)[0][2] < 0.03
        finally:
            env.close()
