"""`check_task` (the gate, trusted in-process path) and `run_episode` on task files written in the
convention, in a real simulator. Task code written here is the test's own: it is checked in
this process; `tests/checking` covers the sandboxed path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from gensim.checking.gate import check_task
from gensim.checking.verdict import CheckVerdict
from gensim.tasks.episode import run_episode
from gensim.tasks.loader import load_task_class, load_task_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convention"
HEADER = (
    "import numpy as np\nimport pybullet as p\nimport random\n"
    "from cliport.tasks.task import Task\nfrom cliport.utils import utils\n\n"
)


def _task(body: str, name: str = "probe", init: str = "") -> str:
    return HEADER + (
        f"class {name.title()}(Task):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.max_steps = 3\n"
        "        self.lang_template = 'put the block there'\n"
        f"{init}"
        "        self.additional_reset()\n\n"
        "    def reset(self, env):\n"
        "        super().reset(env)\n"
        "        size = (0.04, 0.04, 0.04)\n"
        "        block = env.add_object('stacking/block.urdf', self.get_random_pose(env, size))\n"
        "        target = self.get_random_pose(env, (0.08, 0.08, 0))\n"
        f"{body}"
    )


GOAL = ("        self.add_goal(objs=[block], matches=np.ones((1, 1)), targ_poses=[target], replace=False,\n"
        "                      rotations=True, metric='pose', params=None, step_max_reward=1,\n"
        "                      symmetries=[np.pi / 2], language_goal=self.lang_template)\n")


def _check(code: str, **kwargs: object) -> CheckVerdict:
    return check_task(load_task_class(code, "probe.py"), name="probe", **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def env() -> Iterator[object]:
    from gensim.sim.environment import Environment

    environment = Environment(render_obs=False)
    yield environment
    environment.close()


@pytest.mark.parametrize("fixture", ["place_red_block_in_green_bowl", "stack_blocks_on_pallet", "blocks_into_zone"])
def test_convention_fixtures_pass(fixture: str) -> None:
    cls = load_task_file(FIXTURES / f"{fixture}.py")
    verdict = check_task(cls)
    assert verdict.passed, verdict
    assert verdict.stage == "done" and verdict.successes == [True] * 4 and verdict.success_rate == 1.0
    assert verdict.seeds == [0, 2, 4, 6]
    doc = verdict.to_json()
    assert CheckVerdict.from_json(doc).to_json() == doc
    assert verdict.rewards == verdict.task_rewards and not verdict.disagreements


def test_code_text_with_a_missing_import_fails_at_load() -> None:
    code = (FIXTURES / "imports_missing_module.py").read_text()
    code += "\n    def reset(self, env):\n        super().reset(env)\n"  # passes the static stage
    verdict = check_task(code, name="imports-missing-module")  # code text: checked in the sandbox
    assert verdict.stage == "load" and not verdict.passed
    assert "line 5" in verdict.errors[0] and "shapely_geometry_not_installed" in verdict.errors[0]


def test_runtime_error_in_reset_names_the_task_line() -> None:
    code = _task("        colors = {'red': 1}\n        colors['blue']\n")
    verdict = _check(code)
    assert verdict.stage == "reset" and "KeyError" in verdict.errors[0]
    assert "task line 20: `colors['blue']`" in verdict.errors[0], verdict.errors


def test_nondeterministic_scene_fails_determinism() -> None:
    # Each reset in the child moves the block 1 cm further (a class-level counter), so the
    # second recording of the first seed always differs: deterministic, unlike a clock reading.
    body = ("        type(self).resets = getattr(type(self), 'resets', 0) + 1\n"
            "        x = 0.3 + 0.01 * type(self).resets\n"
            "        env.add_object('stacking/block.urdf', ((x, 0.3, 0.02), (0, 0, 0, 1)))\n" + GOAL)
    verdict = _check(_task(body))
    assert verdict.stage == "determinism", verdict


def test_object_outside_the_workspace_fails_bounds() -> None:
    body = "        env.add_object('stacking/block.urdf', ((0.9, 0.0, 0.02), (0, 0, 0, 1)), 'fixed')\n" + GOAL
    verdict = _check(_task(body))
    assert verdict.stage == "bounds" and "outside the workspace" in verdict.errors[0]


def test_target_off_the_table_fails_goals() -> None:
    body = GOAL.replace("targ_poses=[target]", "targ_poses=[((0.85, 0.0, 0.02), (0, 0, 0, 1))]")
    verdict = _check(_task(body), threshold=0.5)
    assert verdict.stage == "goals" and "off the workspace" in verdict.errors[0], verdict
    assert "place targets on the table" in verdict.errors[0]


def test_impossible_goal_fails_success() -> None:
    lazy = ("\n    def oracle(self, env):\n        class GivesUp:\n            def act(self, obs, info):\n"
            "                return None\n        return GivesUp()\n")
    verdict = _check(_task(GOAL) + lazy)  # the expert never acts
    assert verdict.stage == "success" and verdict.success_rate == 0.0


def test_goal_no_object_may_take_fails_goals() -> None:
    verdict = _check(_task(GOAL.replace("np.ones((1, 1))", "np.zeros((1, 1))")))
    assert verdict.stage == "goals" and "matches allows no object" in verdict.errors[0]


def test_too_small_budget_fails_budget() -> None:
    body = ("        env.add_object('zone/zone.urdf', target, 'fixed')\n"  # keeps the target free
            "        other = env.add_object('stacking/block.urdf', self.get_random_pose(env, size))\n"
            "        spot = self.get_random_pose(env, (0.08, 0.08, 0))\n" + GOAL
            + GOAL.replace("[block]", "[other]").replace("[target]", "[spot]")
                  .replace("step_max_reward=1", "step_max_reward=0.5"))
    body = body.replace("step_max_reward=1,", "step_max_reward=0.5,")
    verdict = _check(_task(body, init="        self.max_steps = 1\n"))
    assert verdict.stage == "budget" and verdict.successes == [True] * 4 and verdict.steps == [2] * 4


def test_unknown_colour_is_a_warning_not_a_crash() -> None:
    body = "        env.set_color(block, utils.COLORS['mauve-ish'])\n" + GOAL
    verdict = _check(_task(body), seeds=[0])
    assert verdict.passed, verdict
    assert any("mauve-ish" in w for w in verdict.warnings)


def test_same_seed_same_scene_and_actions_other_seed_differs(env: object) -> None:
    cls = load_task_file(FIXTURES / "blocks_into_zone.py")
    a = run_episode(env, cls(), 4)
    b = run_episode(env, cls(), 4)
    c = run_episode(env, cls(), 6)
    assert a.reset_poses == b.reset_poses and a.actions == b.actions and a.rewards == b.rewards
    assert a.reset_poses != c.reset_poses
    assert a.success and a.steps == len(a.actions) == len(a.rewards) and a.steps <= 6
    assert set(a.timings) == {"reset", "act", "step", "render"}


def test_episode_records_steps_and_frames(env: object) -> None:
    cls = load_task_file(FIXTURES / "stack_blocks_on_pallet.py")
    seen: list[tuple] = []
    result = run_episode(env, cls(), 0, render=True, record=lambda o, a, r, i: seen.append((a, r, i["lang_goal"])))
    assert result.success and result.steps == 2
    # one after reset, the motion of each action (every env.frame_every physics steps), its end
    assert len(result.frames) > 2 * 2 + 1 and result.frames[0].shape == (320, 160, 3)
    assert env.frame_hook is None  # type: ignore[attr-defined]  # the filming stops with the episode
    assert [a is None for a, _, _ in seen] == [False, False, True]
    assert [r for _, r, _ in seen] == pytest.approx([0.5, 0.5, 0.0])
    assert seen[0][2] == "put the yellow block on the spot" and seen[1][2].startswith("put the cyan")
    capped = run_episode(env, cls(), 0, max_steps=1)
    assert capped.steps == 1 and not capped.success and capped.max_steps == 1


def test_random_poses_stay_in_bounds_and_fall_back_when_the_table_is_full(env: object) -> None:
    code = _task("        self.poses = []\n"
                 "        for _ in range(60):\n"
                 "            self.poses.append(self.get_random_pose(env, (0.12, 0.12, 0.02)))\n"
                 "            env.add_object('stacking/block.urdf', self.poses[-1], 'fixed')\n" + GOAL)
    task = load_task_class(code, "probe.py")()
    task.seed(0)
    env.set_task(task)
    env.reset()
    xy = np.array([pose[0][:2] for pose in task.poses])
    assert np.all((xy[:, 0] >= 0.25) & (xy[:, 0] <= 0.75) & (xy[:, 1] >= -0.5) & (xy[:, 1] <= 0.5))
    assert any("no free space" in w for w in task.warnings)
    first = np.array([pose[0][:2] for pose in task.poses[:8]])
    gaps = np.linalg.norm(first[:, None] - first[None], axis=-1) + np.eye(8)
    assert gaps.min() > 0.12  # the first few fit without overlapping


def test_a_scene_the_replay_cannot_rebuild_fails_replay() -> None:
    body = "        p.applyExternalForce(block, -1, (0, 0, 1), (0, 0, 0), p.WORLD_FRAME)\n" + GOAL
    verdict = _check(_task(body), seeds=[0])
    assert verdict.stage == "replay" and "applyExternalForce" in verdict.errors[0], verdict.errors


def test_task_code_may_edit_a_random_pose_in_place() -> None:
    # Model-written habit the reference allows: its get_random_pose returns the position as a list.
    code = _task("        target[0][2] += 0.0\n        target[0][0] = target[0][0]\n" + GOAL)
    verdict = _check(code, seeds=[0, 2])
    assert verdict.passed and verdict.stage == "done", verdict
