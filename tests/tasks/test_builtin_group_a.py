"""Built-in tasks of group A: every task passes `check_task`; the expert's success over 20 seeds.

Fast tests check one variant of each task on two seeds (plus the unseen-colour palette in test
mode); the other variants, the slowest tasks and the 20-seed success rates are `slow`.
"""

from __future__ import annotations

import numpy as np
import pytest

from gensim.checking.conventions import SUCCESS_REWARD
from gensim.checking.gate import check_task
from gensim.tasks import utils
from gensim.tasks.builtin.group_a import SPECS
from gensim.tasks.builtin.towers_of_hanoi import hanoi_moves
from gensim.tasks.registry import builtin_specs, get_spec, make_task

NAMES = [spec.name for spec in SPECS]
SLOW_CHECKS = {  # over ~10 s for two seeds, or a second colour variant of a task checked fast
    "palletizing-boxes",  # 18 boxes handed out one by one, each settled for 480 physics steps
    "towers-of-hanoi",
    "towers-of-hanoi-seq-seen-colors",
    "towers-of-hanoi-seq-unseen-colors",
    "towers-of-hanoi-seq-full",
    "put-block-in-bowl-seen-colors",
    "put-block-in-bowl-full",
    "stack-block-pyramid-seq-seen-colors",
    "stack-block-pyramid-seq-full",
}
FAST_CHECKS = [name for name in NAMES if name not in SLOW_CHECKS]
SUCCESS_SEEDS = list(range(0, 40, 2))  # 20 train seeds
MIN_SUCCESS = 0.95  # the library's figure for tasks that are not rope, pile or packing tasks


def _check(subject: object, seeds: list[int], name: str | None = None) -> None:
    verdict = check_task(subject, seeds=seeds, threshold=1.0, name=name)
    assert verdict.passed, (verdict.stage, verdict.errors, verdict.rewards)
    assert all(r > SUCCESS_REWARD for r in verdict.rewards)


def test_group_a_registered_with_descriptions() -> None:
    known = {spec.name: spec for spec in builtin_specs()}
    expected = {
        "block-insertion",
        "block-insertion-easy",
        "block-insertion-nofixture",
        "block-insertion-sixdof",
        "block-insertion-translation",
        "place-red-in-green",
        "stack-block-pyramid",
        "towers-of-hanoi",
        "align-box-corner",
        "palletizing-boxes",
        "build-car",
        "build-house",
    }
    for base in ("put-block-in-bowl", "stack-block-pyramid-seq", "towers-of-hanoi-seq"):
        expected |= {f"{base}-seen-colors", f"{base}-unseen-colors", f"{base}-full"}
    assert expected == set(NAMES)
    for name in NAMES:
        assert len(known[name].description) > 80, name
        task = make_task(name)
        assert task.lang_template and task.task_completed_desc and task.max_steps >= 3


@pytest.mark.parametrize("name", FAST_CHECKS)
def test_check_task_passes(name: str) -> None:
    _check(name, [0, 2])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SLOW_CHECKS))
def test_check_task_passes_slow(name: str) -> None:
    _check(name, [0, 2, 4])


@pytest.mark.parametrize(
    "name", ["put-block-in-bowl-unseen-colors", "stack-block-pyramid-seq-unseen-colors"]
)
def test_unseen_colors_in_test_mode(name: str) -> None:
    task = make_task(name)
    task.mode = "test"
    _check(task, [10001, 10003], name=name)


def _scene_colors(name: str, mode: str, seed: int) -> set[str]:
    """Names of the colours the task's language goals mention in one episode."""
    from gensim.sim.environment import Environment

    task = make_task(name)
    task.mode = mode
    env = Environment(render_obs=False)
    try:
        task.seed(seed)
        env.set_task(task)
        env.reset()
    finally:
        env.close()
    words = {w for goal in task.lang_goals for w in goal.split()}
    return words & set(utils.COLORS)


def test_color_variants_draw_from_their_palettes() -> None:
    train = set(utils.TRAIN_COLORS)
    seen, unseen_test, full = set(), set(), set()
    for seed in range(6):
        seen |= _scene_colors("put-block-in-bowl-seen-colors", "test", seed)
        unseen_test |= _scene_colors("put-block-in-bowl-unseen-colors", "test", seed)
        full |= _scene_colors("put-block-in-bowl-full", "train", seed)
    # GenSim draws every split from the training colours (its val/test differ by seeds only)
    assert seen and seen <= train
    assert unseen_test and unseen_test <= train
    assert full and full <= train


def test_seq_tasks_have_one_instruction_per_goal() -> None:
    from gensim.sim.environment import Environment

    env = Environment(render_obs=False)
    try:
        for name, n_goals in (("stack-block-pyramid-seq-full", 6), ("towers-of-hanoi-seq-full", 7)):
            task = make_task(name)
            task.seed(3)
            env.set_task(task)
            env.reset()
            assert len(task.goals) == n_goals == len(task.lang_goals)
            steps = task.lang_goals
            assert all(
                a != b for a, b in zip(steps, steps[1:], strict=False)
            )  # each step says what to do next
            assert task.get_lang_goal() == task.lang_goals[0]
    finally:
        env.close()


def test_hanoi_moves_solve_the_puzzle() -> None:
    moves = hanoi_moves(2, 0, 2, 1)
    assert len(moves) == 7
    rods: list[list[int]] = [[2, 1, 0], [], []]
    for disk, source, target in moves:
        assert rods[source][-1] == disk
        assert not rods[target] or rods[target][-1] > disk
        rods[target].append(rods[source].pop())
    assert rods == [[], [], [2, 1, 0]]


def test_same_seed_same_scene() -> None:
    from gensim.sim.environment import Environment

    env = Environment(render_obs=False)
    try:
        scenes = []
        for _ in range(2):
            task = make_task("build-car")
            task.seed(7)
            env.set_task(task)
            env.reset()
            scenes.append([np.float64(env.get_object_pose(i)[0]) for i in env.obj_ids["rigid"]])
        assert len(scenes[0]) == 7
        assert all(np.allclose(a, b) for a, b in zip(scenes[0], scenes[1], strict=True))
    finally:
        env.close()


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize("name", NAMES)
def test_expert_success_rate_20_seeds(name: str, record_property: pytest.RecordProperty) -> None:
    verdict = check_task(get_spec(name), seeds=SUCCESS_SEEDS, threshold=MIN_SUCCESS)
    record_property("success_rate", verdict.success_rate)
    print(f"{name}: expert success {verdict.success_rate:.2f} over {len(SUCCESS_SEEDS)} seeds")
    assert verdict.success_rate >= MIN_SUCCESS, (verdict.errors, verdict.rewards)
    assert verdict.passed, (verdict.stage, verdict.errors)
