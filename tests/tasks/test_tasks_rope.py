"""`Task.make_ropes` sets a rope up as the reference does, and the rope primitive carries slowly
and low but approaches and leaves at the usual height."""

from __future__ import annotations

from typing import Any

import numpy as np
import pybullet

from gensim.sim import primitives
from gensim.sim.constants import SOLVER_ITERATIONS, SOLVER_ITERATIONS_LINKED
from gensim.sim.environment import Environment
from gensim.tasks.task import Task

CORNERS = ((0.45, -0.1, 0.001), (0.55, 0.1, 0.001))


class RopeTask(Task):
    """One rope of ten beads between two corners; `built` keeps what the helper returned and
    where the beads were before the scene settled."""

    def __init__(self) -> None:
        super().__init__()
        self.lang_template = "align the rope"
        self.additional_reset()
        self.built: dict[str, Any] = {}

    def reset(self, env: Any) -> None:
        super().reset(env)
        objects, targets, matches = self.make_ropes(env, corners=CORNERS, n_parts=10)
        self.built = {"objects": objects, "targets": targets, "matches": matches,
                      "start": [env.get_object_pose(o)[0] for o in objects],
                      "state_after": np.random.get_state()[1].copy()}
        self.add_goal(objs=objects, matches=matches, targ_poses=targets, replace=False, rotations=False,
                      metric="pose", params=None, step_max_reward=1, language_goal="align the rope")


class PoseOnly(Task):
    """Draws only what the rope helper should draw: one pose for a 10 cm object."""

    def reset(self, env: Any) -> None:
        super().reset(env)
        self.pose = self.get_random_pose(env, (0.1, 0.1, 0.1))
        self.state_after = np.random.get_state()[1].copy()


def test_rope_starts_as_a_column_over_one_random_pose_and_stays_linked() -> None:
    env = Environment()
    try:
        probe = PoseOnly()
        probe.seed(3)
        env.set_task(probe)
        env.reset()
        task = RopeTask()
        task.seed(3)
        env.set_task(task)
        env.reset()
        built = task.built
        spacing = float(np.linalg.norm(np.subtract(CORNERS[1], CORNERS[0]))) / 10
        start = np.asarray(built["start"])
        # The reference's draws only (one pose), and a vertical column over that pose.
        assert np.array_equal(built["state_after"], probe.state_after)
        assert np.allclose(start[:, :2], np.asarray(probe.pose[0][:2]), atol=1e-6)
        assert np.allclose(np.diff(start[:, 2]), spacing, atol=1e-5)
        assert start[0, 2] == np.float32(probe.pose[0][2]) + np.float32(spacing)
        # Targets evenly spaced from corner 0 to corner 1; a bead matches its target or the mirror.
        targets = np.asarray([t[0] for t in built["targets"]])
        assert np.allclose(targets[0], np.add(CORNERS[0], np.subtract(CORNERS[1], CORNERS[0]) / 20), atol=1e-6)
        assert np.allclose(np.diff(targets, axis=0), np.subtract(CORNERS[1], CORNERS[0]) / 10, atol=1e-6)
        assert built["matches"][0, 0] and built["matches"][0, 9] and not built["matches"][0, 1]
        # Settled (the column collapsed onto the table) with every link holding its length.
        after = np.asarray([env.get_object_pose(o)[0] for o in built["objects"]])
        assert after[:, 2].max() < 0.05
        links = np.linalg.norm(np.diff(after, axis=0), axis=1)
        assert np.allclose(links, spacing, atol=2e-3)
        # The ends keep the default look; the beads between them take the rope's colour.
        ends = pybullet.getVisualShapeData(built["objects"][0], physicsClientId=env.client)[0][7]
        middle = pybullet.getVisualShapeData(built["objects"][5], physicsClientId=env.client)[0][7]
        assert tuple(ends) == (1.0, 1.0, 1.0, 1.0) and tuple(middle) != tuple(ends)
    finally:
        env.close()


def test_a_scene_with_a_rope_solves_with_the_linked_iterations_and_one_without_with_the_usual() -> None:
    env = Environment(render_obs=False)

    def iterations() -> int:
        return int(pybullet.getPhysicsEngineParameters(physicsClientId=env.client)["numSolverIterations"])

    try:
        for task, expected in ((RopeTask(), SOLVER_ITERATIONS_LINKED), (PoseOnly(), SOLVER_ITERATIONS)):
            task.seed(0)
            env.set_task(task)
            env.reset()
            assert iterations() == expected
    finally:
        env.close()
    assert SOLVER_ITERATIONS_LINKED < SOLVER_ITERATIONS


def test_rope_primitive_carries_low_and_slow_but_approaches_and_leaves_high() -> None:
    task = RopeTask()
    prim = task.primitive
    assert isinstance(prim, primitives.PickPlace)
    assert prim.height == 0.02 and prim.speed == primitives.ROPE_SPEED
    env = Environment()
    try:
        env.set_task(task)
        task.seed(0)
        env.reset()
        heights: list[float] = []
        env.frame_every = 1
        env.frame_hook = lambda: heights.append(float(env.require_ee().pose()[0][2]))
        bead = task.built["objects"][0]
        pick = env.get_object_pose(bead)[0]
        steps = env.sim_steps
        env.step({"pose0": ((pick[0], pick[1], pick[2] + 0.005), (0, 0, 0, 1)),
                  "pose1": ((0.5, 0.0, 0.01), (0, 0, 0, 1))})
        assert env.sim_steps > steps
    finally:
        env.close()
    # It came down from 32 cm above the pick and went back up to 32 cm above the place.
    top = int(np.argmax(heights))
    assert heights[top] > pick[2] + 0.3 and heights[-1] > 0.3
    # In between it carried the bead no higher than 2 cm (and its size) above the poses.
    near = [i for i, h in enumerate(heights) if h < 0.025]
    assert near and max(heights[near[0]:near[-1] + 1]) < 0.04
