"""Goals and the reward/done bookkeeping of `Task`, with object poses set by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gensim.tasks import utils
from gensim.tasks.goals import Goal
from gensim.tasks.task import Task

ID = (0.0, 0.0, 0.0, 1.0)


class PoseBoard:
    """Stands in for the environment's pose queries: poses are set by the test."""

    client = None
    assets_root = ""

    def __init__(self) -> None:
        self.poses: dict[int, Any] = {}
        self.sizes: dict[int, tuple[float, float, float]] = {}

    def get_object_pose(self, obj: int) -> Any:
        return self.poses[obj]

    def get_object_size(self, obj: int) -> tuple[float, float, float]:
        return self.sizes.get(obj, (0.04, 0.04, 0.04))


def yaw(deg: float) -> tuple[float, float, float, float]:
    return utils.eulerXYZ_to_quatXYZW((0, 0, np.deg2rad(deg)))


@pytest.fixture
def board() -> PoseBoard:
    return PoseBoard()


@pytest.fixture
def task(board: PoseBoard) -> Task:
    t = Task()
    t.lang_template = "put blocks"
    t.reset(board)
    return t


def test_defaults_follow_the_convention() -> None:
    from gensim.sim import grippers, primitives

    t = Task()
    assert t.pos_eps == 0.01 and np.isclose(t.rot_eps, np.deg2rad(15)) and t.pix_size == 0.003125
    assert np.allclose(t.bounds, [[0.25, 0.75], [-0.5, 0.5], [0, 0.3]])
    assert np.allclose(t.zone_bounds, t.bounds) and t.zone_bounds is not t.bounds
    assert t.goals == [] and t.lang_goals == [] and t.progress == 0 and t.max_steps == 10
    assert t.mode == "train" and t.sixdof is False and t.homogeneous is False
    assert t.ee is grippers.Suction and isinstance(t.primitive, primitives.PickPlace)
    assert list(t.train_set) == list(range(14)) and list(t.test_set) == list(range(14, 20))
    assert t.num_blocks == 50 and t.assets_root


def test_additional_reset_adapts_to_words() -> None:
    from gensim.sim import grippers, primitives

    t = Task()
    t.lang_template = "put the blocks in the bowl"
    t.additional_reset()
    assert t.pos_eps == 0.05
    t = Task()
    t.lang_template = "push the piles into the zone"
    t.additional_reset()
    assert t.ee is grippers.Spatula and t.primitive is primitives.push
    t = Task()
    t.lang_template = "align the rope"
    t.additional_reset()
    assert t.pos_eps == 0.02 and t.primitive.height == 0.02


def test_add_goal_records_typed_goal_and_accepts_bare_xyz(task: Task) -> None:
    goal = task.add_goal(objs=[5], matches=np.ones((1, 1)), targ_poses=[(0.5, 0.1, 0.02)],
                         replace=False, rotations=True, metric="pose", params=None,
                         step_max_reward=1, language_goal="do it", extra_field=3)
    assert isinstance(goal, Goal) and task.goals == [goal]
    assert goal.targ_poses == [((0.5, 0.1, 0.02), ID)]
    assert goal.symmetries == [0.0] and goal.extra == {"extra_field": 3}
    assert any("bare xyz" in w for w in task.warnings)
    assert task.lang_goals == ["do it"]
    task.add_goal([6, 7], np.ones((2, 1)), [((0.4, 0, 0), ID)], True, False, "pose", None, 0.5,
                  language_goal=["a", "b"])
    assert task.lang_goals == ["do it", "a", "b"]


def test_add_goal_fits_mismatched_matches_as_the_reference_reads_them(task: Task) -> None:
    # Rows/columns the reference never reads are cut; ones it would fail on are all False.
    goal = task.add_goal([1, 2], np.ones((1, 3)), [((0.4, 0, 0), ID)] * 2, False, False, "pose", None, 1)
    assert goal.matches.tolist() == [[True, True], [False, False]]
    assert any("matches has shape (1, 3)" in w for w in task.warnings)
    goal = task.add_goal([1], np.eye(3), [((0.4, 0, 0), ID)] * 2, False, False, "pose", None, 1)
    assert goal.matches.tolist() == [[True, False]]
    with pytest.raises(ValueError, match="metric"):
        task.add_goal([1], np.ones((1, 1)), [((0.4, 0, 0), ID)], False, False, "near", None, 1)


def test_reward_progress_and_done(task: Task, board: PoseBoard) -> None:
    board.poses = {1: ((0.3, 0.0, 0.02), ID), 2: ((0.3, 0.2, 0.02), ID)}
    t1, t2 = ((0.6, 0.0, 0.02), ID), ((0.6, 0.2, 0.02), ID)
    task.add_goal([1], np.ones((1, 1)), [t1], False, True, "pose", None, 0.5, [np.pi / 2], "first")
    task.add_goal([2], np.ones((1, 1)), [t2], False, True, "pose", None, 0.5, [np.pi / 2], "second")
    assert task.reward() == (0.0, {}) and not task.done()
    assert task.get_lang_goal() == "first"
    board.poses[1] = ((0.605, 0.004, 0.05), yaw(90 + 10))  # within 1 cm; yaw within 15 deg mod 90
    delta, _ = task.reward()
    assert delta == pytest.approx(0.5) and task.progress == pytest.approx(0.5)
    assert len(task.goals) == 1 and task.lang_goals == ["second"] and not task.done()
    board.poses[2] = ((0.6, 0.2, 0.02), yaw(30))  # right place, wrong yaw
    assert task.reward()[0] == pytest.approx(0.0) and not task.done()
    board.poses[2] = ((0.6, 0.2, 0.02), yaw(-85))
    delta, _ = task.reward()
    assert delta == pytest.approx(0.5) and task.done()
    assert task.get_reward() == pytest.approx(1.0) and task.get_lang_goal() == task.task_completed_desc
    assert task.reward() == (0.0, {})


def test_shares_above_one_keep_the_episode_going_until_every_goal(task: Task, board: PoseBoard) -> None:
    # The reference stops once the total passes the success cutoff; here every goal must be reached.
    board.poses = {1: ((0.6, 0.0, 0.02), ID), 2: ((0.3, 0.2, 0.02), ID)}
    task.add_goal([1], np.ones((1, 1)), [((0.6, 0.0, 0.02), ID)], False, False, "pose", None, 1.0)
    task.add_goal([2], np.ones((1, 1)), [((0.6, 0.2, 0.02), ID)], False, False, "pose", None, 0.5)
    assert task.reward()[0] == pytest.approx(1.0) and task.get_reward() > 0.99
    assert not task.done() and any("sum to 1.50" in w for w in task.warnings)
    board.poses[2] = ((0.6, 0.2, 0.02), ID)
    assert task.reward()[0] == pytest.approx(0.5) and task.done()


def test_reward_is_a_delta_that_can_go_down(task: Task, board: PoseBoard) -> None:
    board.poses = {1: ((0.6, 0.0, 0.02), ID), 2: ((0.3, 0.3, 0.02), ID)}
    targets = [((0.6, 0.0, 0.02), ID), ((0.6, 0.1, 0.02), ID)]
    task.add_goal([1, 2], np.ones((2, 2)), targets, False, False, "pose", None, 1.0)
    assert task.reward()[0] == pytest.approx(0.5)
    board.poses[1] = ((0.4, 0.0, 0.02), ID)
    assert task.reward()[0] == pytest.approx(-0.5) and task.get_reward() == pytest.approx(0.0)


def test_without_replacement_a_target_takes_one_object(task: Task, board: PoseBoard) -> None:
    board.poses = {1: ((0.6, 0.0, 0.02), ID), 2: ((0.6, 0.0, 0.06), ID)}
    targets = [((0.6, 0.0, 0.02), ID), ((0.6, 0.2, 0.02), ID)]
    task.add_goal([1, 2], np.ones((2, 2)), targets, False, False, "pose", None, 1.0)
    assert task.reward()[0] == pytest.approx(0.5)
    task.reset(board)
    task.add_goal([1, 2], np.ones((2, 2)), targets, True, False, "pose", None, 1.0)  # with replacement
    assert task.reward()[0] == pytest.approx(1.0)


def test_without_replacement_the_count_is_a_largest_assignment(task: Task, board: PoseBoard) -> None:
    # Object 1 sits within the (bowl-sized) tolerance of both targets, object 2 only of the first:
    # taking objects in order would give object 1 the first target and leave object 2 out.
    task.pos_eps = 0.05
    board.poses = {1: ((0.6, 0.03, 0.02), ID), 2: ((0.6, -0.02, 0.02), ID)}
    targets = [((0.6, 0.0, 0.02), ID), ((0.6, 0.06, 0.02), ID)]
    task.add_goal([1, 2], np.ones((2, 2)), targets, False, False, "pose", None, 1.0)
    assert task.reward()[0] == pytest.approx(1.0) and task.done()
    from gensim.tasks import rewards

    assert rewards.max_assignment(np.array([[1, 1, 0], [1, 0, 0], [0, 1, 0]], dtype=bool)) in ([1, 0, -1], [-1, 0, 1])
    assert rewards.max_assignment(np.zeros((2, 0), dtype=bool)) == [-1, -1]


def test_yaw_is_checked_modulo_the_symmetry_whatever_rotations_says(task: Task, board: PoseBoard) -> None:
    # As in the reference: `rotations` only tells the expert whether it may turn the object.
    board.poses = {1: ((0.6, 0.0, 0.02), yaw(45)), 2: ((0.6, 0.2, 0.02), yaw(45))}
    task.add_goal([1], np.ones((1, 1)), [((0.6, 0.0, 0.02), ID)], False, False, "pose", None, 0.5, [np.pi / 2])
    task.add_goal([2], np.ones((1, 1)), [((0.6, 0.2, 0.02), ID)], False, True, "pose", None, 0.5, [0])
    assert task.reward()[0] == pytest.approx(0.0)  # 45 degrees off, modulo 90
    board.poses[1] = ((0.6, 0.0, 0.02), yaw(90 + 80))  # 10 degrees off modulo 90
    assert task.reward()[0] == pytest.approx(1.0) and task.done()  # goal 2: symmetry 0, yaw free
    assert task.is_match(((0.6, 0, 0), yaw(179)), ((0.6, 0, 0), yaw(-179)), 2 * np.pi)
    assert task.is_match(((0.6, 0, 0), yaw(100)), ((0.6, 0, 0), yaw(-80)), np.pi)
    assert not task.is_match(((0.6, 0, 0), yaw(30)), ((0.6, 0, 0), ID), 2 * np.pi)


def test_a_goal_reached_with_the_one_before_is_taken_at_once(task: Task, board: PoseBoard) -> None:
    board.poses = {1: ((0.3, 0.0, 0.02), ID), 2: ((0.6, 0.2, 0.02), ID)}
    t1, t2 = ((0.6, 0.0, 0.02), ID), ((0.6, 0.2, 0.02), ID)
    task.add_goal([1], np.ones((1, 1)), [t1], False, False, "pose", None, 0.5, language_goal="a")
    task.add_goal([1, 2], np.ones((2, 2)), [t1, t2], False, False, "pose", None, 0.5, language_goal="b")
    assert task.reward()[0] == pytest.approx(0.0) and not task.done()
    board.poses[1] = t1
    delta, _ = task.reward()  # goal a, then goal b already reached too
    assert delta == pytest.approx(1.0) and task.done() and task.goals == [] and task.lang_goals == []
    assert task.get_reward() == pytest.approx(1.0)


def test_targets_appended_after_add_goal_are_read_at_the_end_of_reset(task: Task, board: PoseBoard) -> None:
    # A habit of model-written code: add_goal inside the loop that fills the target list. The
    # reference keeps the list itself, so every such goal sees all the targets.
    board.poses = {i: ((0.3, 0.1 * i, 0.02), ID) for i in range(3)}
    targets: list[Any] = []
    for i in range(3):
        targets.append(((0.6, 0.1 * i, 0.02), ID))
        task.add_goal([0, 1, 2], np.eye(3), targets, False, True, "pose", None, 1.0)
    assert task.goals[0].targ_poses == targets[:1] and any("matches has shape" in w for w in task.warnings)
    task.finish_reset()
    assert all(g.targ_poses == targets and g.matches.tolist() == np.eye(3, dtype=bool).tolist() for g in task.goals)
    assert not any("matches has shape" in w for w in task.warnings)
    assert any("changed by the task code after add_goal" in w and "[0, 1]" in w for w in task.warnings)
    # a list of plain ids is copied (the reference zips it into pairs); pairs are kept
    ids = [0]
    task.reset(board)
    task.add_goal(ids, np.ones((1, 1)), [((0.6, 0.0, 0.02), ID)], False, True, "pose", None, 1.0)
    ids.append(1)
    pairs = [(0, (0.0, None))]
    task.add_goal(pairs, np.ones((2, 1)), [((0.6, 0.0, 0.02), ID)], True, True, "pose", None, 1.0)
    pairs.append((1, (0.0, None)))
    task.finish_reset()
    assert task.goals[0].objs == [0] and task.goals[1].objs == [0, 1]
    assert task.goals[1].matches.tolist() == [[True], [True]]


def test_zone_metric_counts_points_inside(task: Task, board: PoseBoard) -> None:
    zone = ((0.5, 0.0, 0.0), yaw(30))
    board.poses = {1: ((0.5, 0.0, 0.02), yaw(10)), 2: ((0.3, 0.3, 0.02), ID)}
    task.add_goal([1, 2], np.ones((2, 1)), [zone], True, False, "zone", [(zone, (0.12, 0.12, 0))], 1.0)
    assert task.goals[0].object_points[1].shape == (3, 8)  # 2 x 2 x 2 points in a 4 cm block
    assert task.reward()[0] == pytest.approx(0.5)
    board.poses[2] = ((0.5 + 0.05 * np.cos(np.pi / 6), 0.05 * np.sin(np.pi / 6), 0.02), yaw(30))
    # half of block 2 sticks out of the zone along the zone's x axis
    assert task.get_reward() + task.reward()[0] == pytest.approx(0.75)
    board.poses[2] = ((0.52, 0.01, 0.02), ID)
    task.reward()
    assert task.done() and task.get_reward() == pytest.approx(1.0)


def test_reset_clears_bookkeeping(task: Task, board: PoseBoard) -> None:
    board.poses = {1: ((0.6, 0.0, 0.02), ID)}
    task.add_goal([1], np.ones((1, 1)), [((0.6, 0.0, 0.02), ID)], False, False, "pose", None, 0.5, language_goal="x")
    task.reward()
    task.reset(board)
    assert task.goals == [] and task.lang_goals == [] and task.progress == 0 and task.get_reward() == 0


def test_seed_drives_rng_and_globals() -> None:
    import random

    t = Task()
    t.seed(7)
    a = (t.rng.random(), np.random.random(), random.random())
    t.seed(7)
    assert (t.rng.random(), np.random.random(), random.random()) == a
    assert t.get_random_size(0.1, 0.2, 0.1, 0.2, 0.1, 0.2) != t.get_random_size(0.1, 0.2, 0.1, 0.2, 0.1, 0.2)
