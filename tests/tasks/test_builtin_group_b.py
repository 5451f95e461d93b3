"""Built-in tasks of group B (kits, packing, rope, piles): `check_task` passes on a few seeds;
the expert's success rate over 20 seeds (slow); the volume split and the colour variants.

Fast tests check the quick tasks on two seeds; the rope and pile tasks (5-60 s an episode)
and the 20-seed success rates are `slow`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gensim.checking.gate import check_task
from gensim.tasks import utils
from gensim.tasks.builtin.group_b import SPECS
from gensim.tasks.builtin.packing_boxes import WALL, split_container
from gensim.tasks.registry import builtin_specs, make_task

NAMES = [spec.name for spec in SPECS]
SLOW_TASKS = {  # rope and pile episodes take 5 to 60 s
    "manipulating-rope",
    "align-rope",
    "sweeping-piles",
    "separating-piles-seen-colors",
    "separating-piles-unseen-colors",
    "separating-piles-full",
}
FAST_TASKS = [name for name in NAMES if name not in SLOW_TASKS]
SUCCESS_SEEDS = list(range(0, 40, 2))  # 20 train seeds
LOOSE_TASKS = ("rope", "piles", "packing")  # the library's figure for these is 0.8, else 0.95


def _min_success(name: str) -> float:
    return 0.8 if any(word in name for word in LOOSE_TASKS) else 0.95


def _check(subject: object, seeds: list[int], name: str | None = None) -> None:
    verdict = check_task(subject, seeds=seeds, threshold=1.0, name=name)
    assert verdict.passed, (verdict.stage, verdict.errors, verdict.rewards)


def _reset(name: str, seed: int, mode: str = "train") -> object:
    """A task of `name` after one reset with `seed` (the environment is closed again)."""
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
    return task


def test_group_b_registered_with_descriptions() -> None:
    expected = {
        "assembling-kits", "assembling-kits-easy", "packing-boxes", "packing-shapes", "packing-google-objects-seq",
        "packing-google-objects-group", "manipulating-rope",
        "packing-seen-google-objects-seq", "packing-seen-google-objects-group",
        "packing-unseen-google-objects-seq", "packing-unseen-google-objects-group", "align-rope", "sweeping-piles",
    }
    for base in ("assembling-kits-seq", "packing-boxes-pairs", "separating-piles"):
        expected |= {f"{base}-seen-colors", f"{base}-unseen-colors", f"{base}-full"}
    assert set(NAMES) == expected
    known = {spec.name: spec for spec in builtin_specs()}
    for name in NAMES:
        assert len(known[name].description) > 80, name
        task = make_task(name)
        assert task.lang_template and task.task_completed_desc and task.max_steps >= 1


@pytest.mark.parametrize("name", FAST_TASKS)
def test_check_task_passes(name: str) -> None:
    _check(name, [0, 2])


ROPE_TASKS = ("align-rope", "manipulating-rope")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SLOW_TASKS - set(ROPE_TASKS)))
def test_check_task_passes_slow(name: str) -> None:
    _check(name, [0, 2])


@pytest.mark.slow
@pytest.mark.parametrize("name", ROPE_TASKS)
def test_rope_expert_meets_the_library_figure_within_max_steps(name: str) -> None:
    # Ropes start as the reference's heap, from which its own expert fails some seeds too
    # (manipulating-rope: 2 of seeds 0-3 there), and ours sometimes needs more than max_steps
    # (the gate's budget stage): the figure is 0.8 within max_steps, over ten seeds.
    verdict = check_task(name, seeds=list(range(10)), threshold=0.0)
    budget = make_task(name).max_steps
    within = [ok and steps <= budget for ok, steps in zip(verdict.successes, verdict.steps, strict=True)]
    assert sum(within) >= 8, (verdict.successes, verdict.steps, verdict.rewards)


@pytest.mark.parametrize(
    "name", ["assembling-kits", "packing-shapes", "packing-google-objects-group"]
)
def test_test_split_shapes_and_objects(name: str) -> None:
    task = make_task(name)
    task.mode = "test"
    _check(task, [10001, 10003], name=name)


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize("name", NAMES)
def test_expert_success_over_20_seeds(name: str) -> None:
    verdict = check_task(name, seeds=SUCCESS_SEEDS, threshold=0.0)
    assert verdict.stage in ("done", "budget"), (verdict.stage, verdict.errors)
    # A success counts only within the task's action budget.
    budget = make_task(name).max_steps
    wins = [ok and steps <= budget for ok, steps in zip(verdict.successes, verdict.steps, strict=True)]
    rate = sum(wins) / len(wins)
    print(f"{name}: expert success {rate:.2f} over {len(wins)} seeds (steps {verdict.steps})")
    assert rate >= _min_success(name), (verdict.rewards, verdict.steps)


def test_split_container_tiles_the_inside() -> None:
    min_dim, margin = 0.05, 0.01
    for seed in range(20):
        np.random.seed(seed)
        size = (0.05 + 0.25 * np.random.rand(), 0.05 + 0.25 * np.random.rand(), 0.05)
        boxes = split_container(size, min_dim, margin)
        inner = np.array(size[:2]) - 2 * WALL
        area = 0.0
        for box in boxes:
            extent = box[3:] - box[:3]
            assert extent[2] == pytest.approx(size[2])  # never cut across the height
            assert np.all(extent[:2] <= 2 * min_dim + 1e-9)  # cut while longer than twice min_dim
            assert np.all(box[:2] >= WALL - 1e-9) and np.all(box[3:5] <= np.array(size[:2]) - WALL + 1e-9)
            area += (extent[0] + margin) * (extent[1] + margin)
        # The boxes grown by the margin tile the inside grown by the margin: no overlap, no hole.
        assert area == pytest.approx((inner[0] + margin) * (inner[1] + margin))
        for i, b0 in enumerate(boxes):
            for b1 in boxes[i + 1 :]:
                gap = np.maximum(b1[:2] - b0[3:5], b0[:2] - b1[3:5])
                assert gap.max() >= margin - 1e-9


def _colors_named(task: object) -> set[str]:
    goals = [g.replace("brown box", "box") for g in task.lang_goals]  # type: ignore[attr-defined]
    words = {w for goal in goals for w in goal.split()}
    return words & set(utils.COLORS)


@pytest.mark.parametrize("base", ["packing-boxes-pairs", "assembling-kits-seq"])
def test_color_variants_draw_from_their_palettes(base: str) -> None:
    train, evaluation = set(utils.TRAIN_COLORS), set(utils.EVAL_COLORS)
    seen, unseen, full = set(), set(), set()
    for seed in (1, 3, 5):
        seen |= _colors_named(_reset(f"{base}-seen-colors", seed, "test"))
        unseen |= _colors_named(_reset(f"{base}-unseen-colors", seed, "test"))
        full |= _colors_named(_reset(f"{base}-full", seed, "train"))
    # GenSim draws every split from the training colours (its val/test differ by seeds only)
    assert seen and seen <= train
    assert unseen and unseen <= train
    assert full and full <= train | evaluation


def test_sequential_tasks_have_one_instruction_per_goal() -> None:
    task = _reset("assembling-kits-seq-full", 4)
    assert len(task.goals) == len(task.lang_goals) == 5  # type: ignore[attr-defined]
    for goal, lang in zip(task.goals, task.lang_goals, strict=True):  # type: ignore[attr-defined]
        shape = lang.split(" in the ")[-1].removesuffix(" hole")
        for where in ("top ", "bottom ", "left ", "right ", "middle "):  # a hole among same-shape holes
            shape = shape.removeprefix(where)
        assert shape in utils.assembling_kit_shapes.values() and len(goal.objs) == 1

    task = _reset("packing-google-objects-seq", 6)
    n = len(task.goals)  # type: ignore[attr-defined]
    assert 2 <= n <= 4 and len(task.lang_goals) == n  # type: ignore[attr-defined]
    assert sum(g.step_max_reward for g in task.goals) == pytest.approx(1.0)  # type: ignore[attr-defined]


def test_seen_and_unseen_household_splits() -> None:
    seen, unseen = make_task("packing-seen-google-objects-seq"), make_task("packing-unseen-google-objects-seq")
    for task in (seen, unseen):
        task.mode = "test"
        task.set_assets_root(str(Path(__file__).resolve().parents[2] / "gensim" / "assets"))
    seen_names, unseen_names = set(seen.object_table()), set(unseen.object_table())
    assert seen_names and unseen_names and not seen_names & unseen_names
    seen.mode = "train"
    assert set(seen.object_table()) == seen_names  # the seen variant never changes its objects


def test_hole_words_name_same_shape_holes_by_place() -> None:
    from gensim.tasks.builtin.assembling_kits_seq import hole_words

    identity = (0.0, 0.0, 0.0, 1.0)
    holes = [((0.41, 0.045, 0), identity), ((0.5, 0.045, 0), identity), ((0.59, 0.045, 0), identity),
             ((0.455, -0.045, 0), identity), ((0.545, -0.045, 0), identity)]
    # two holes of shape 7 one behind the other along x, three of shape 2 in a row along y
    assert hole_words(holes, [7, 2, 7, 2, 2]) == ["top ", "right ", "bottom ", "middle ", "middle "]
    assert hole_words(holes, [1, 2, 3, 4, 5]) == [""] * 5
