"""The simulated arm (`robot="panda"`): reach, joint limits, the state API, a task through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gensim.errors import UsageError


@pytest.fixture
def arm_env() -> Any:
    """An environment with the Panda, reset on place-red-in-green (seed 0)."""
    from gensim.sim.environment import Environment
    from gensim.tasks.registry import make_task

    env = Environment(render_obs=False, robot="panda")
    task = make_task("place-red-in-green")
    task.seed(0)
    env.set_task(task)
    env.reset()
    yield env
    env.close()


def test_unknown_robot_is_a_usage_error() -> None:
    from gensim.sim.environment import Environment

    with pytest.raises(UsageError, match="expected one of: none, panda"):
        Environment(robot="ur5")


def test_arm_reaches_workspace_points_within_5_mm(arm_env: Any) -> None:
    arm = arm_env.arm
    # near the base (PyBullet's null-space IK stopped centimetres short there), the far corners over the far side
    # low, and high over the far side; (0.284, 0.072, 0.04): a pyramid's pick 22 cm from the base,
    # which needs the elbow nearer its limit than the other joints (`LIMIT_MARGINS`)
    points = [(0.4, 0.0, 0.02), (0.5, 0.3, 0.1), (0.5, -0.3, 0.1), (0.7, 0.2, 0.02), (0.4, -0.4, 0.25),
              (0.3, 0.0, 0.02), (0.3, 0.3, 0.02), (0.7, -0.45, 0.02), (0.6, 0.45, 0.3), (0.284, 0.072, 0.04)]
    for xyz in points:
        assert arm.reach_error((xyz, (0.0, 0.0, 0.0, 1.0))) < 0.005, xyz


def test_ik_respects_joint_limits(arm_env: Any) -> None:
    arm = arm_env.arm
    lower, upper = np.array(arm.lower[:7]), np.array(arm.upper[:7])
    # Far outside the reach as well as inside: the solution always stays within the limits.
    for xyz in [(0.5, 0.0, 0.1), (1.5, 1.0, 0.0), (0.2, -0.6, 0.4), (-0.5, 0.0, 0.0)]:
        q = np.array(arm.solve((xyz, (0.0, 0.0, 0.0, 1.0))))
        assert np.all(q >= lower - 1e-9) and np.all(q <= upper + 1e-9), xyz


def test_control_hook_samples_the_arm_during_a_motion(arm_env: Any) -> None:
    states: list[Any] = []
    arm_env.set_control_hook(states.append, rate_hz=20)
    assert arm_env.control_every == arm_env.hz // 20
    start = arm_env.sim_steps
    arm_env.movep(((0.5, 0.2, 0.2), (0.0, 0.0, 0.0, 1.0)))
    every = arm_env.control_every
    arm_env.set_control_hook(None)
    assert len(states) == arm_env.sim_steps // every - start // every > 0
    first, last = states[0], states[-1]
    assert len(first.joint_positions) == len(first.joint_velocities) == len(first.joint_targets) == 7
    assert last.time_s > first.time_s
    assert np.linalg.norm(np.subtract(arm_env.robot_state().ee_pose[0], (0.5, 0.2, 0.2))) < 0.005
    assert json.dumps(last.to_json())


def test_expert_succeeds_with_the_arm_on_a_fixed_seed(arm_env: Any) -> None:
    from gensim.tasks.episode import run_episode
    from gensim.tasks.registry import make_task

    # the whole pick-and-place path with the arm: approach, descent, grasp, lift, place, release
    result = run_episode(arm_env, make_task("place-red-in-green"), 2)
    assert result.success and not arm_env.last_timeout


def test_floating_robot_state_has_no_joints() -> None:
    from gensim.sim.environment import Environment
    from gensim.tasks.registry import make_task

    with Environment(render_obs=False) as env:
        task = make_task("place-red-in-green")
        task.seed(0)
        env.set_task(task)
        env.reset()
        state = env.robot_state()
        assert state.robot == "none" and state.joint_positions == () and not state.holding


def test_arm_shows_in_front_view_not_top_down(arm_env: Any) -> None:
    from gensim.sim.cameras import RealSenseD415

    with_arm = arm_env.render_camera(RealSenseD415.CONFIG[0])[0]
    top = arm_env.render_topdown()[0]
    arm_env.arm_visibility.set(False)
    arm_env.ee.set_visible(False)
    try:
        assert np.any(with_arm != arm_env.render_camera(RealSenseD415.CONFIG[0])[0])
        assert np.array_equal(top, arm_env.render_topdown()[0])
    finally:
        arm_env.arm_visibility.set(True)
        arm_env.ee.set_visible(True)


@pytest.mark.slow
def test_place_red_in_green_passes_the_check_with_the_arm_through_the_cli(tmp_path: Path) -> None:
    env = {**os.environ, "GENSIM_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "gensim.cli.main", "tasks", "check", "place-red-in-green", "--robot", "panda", "--json"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["passed"]


@pytest.mark.slow
@pytest.mark.parametrize("task,seed", [("stack-block-pyramid", 0), ("sweeping-piles", 0), ("assembling-kits", 6)])
def test_experts_that_failed_with_the_first_arm_succeed(task: str, seed: int) -> None:
    from gensim.sim.environment import Environment
    from gensim.tasks.episode import run_episode
    from gensim.tasks.registry import make_task

    # near-base stand (IK fell short), the spatula's yaw (last joint), a piece thrown on release
    with Environment(render_obs=False, robot="panda") as env:
        assert run_episode(env, make_task(task), seed).success


@pytest.mark.slow
@pytest.mark.parametrize("task,seed", [("stack-block-pyramid", 2), ("build-car", 0)])
def test_the_arm_needs_no_more_actions_than_the_floating_tool(task: str, seed: int) -> None:
    """A pick 22 cm from the base (the elbow's margin, `LIMIT_MARGINS`), and the car's body
    balanced with its centre over the edge of its base (it tipped over when the arm released it
    where the tool's lag had left it, 0.4 mm off): both failed or needed retries with the arm."""
    from gensim.sim.environment import Environment
    from gensim.tasks.episode import run_episode
    from gensim.tasks.registry import make_task

    steps = {}
    for robot in ("none", "panda"):
        with Environment(render_obs=False, robot=robot) as env:
            result = run_episode(env, make_task(task), seed)
        assert result.success, robot
        steps[robot] = result.steps
    assert steps["panda"] == steps["none"]
