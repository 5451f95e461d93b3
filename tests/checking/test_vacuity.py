"""The `goals` stage: vacuous goals are repairable errors; shares are normalised with a warning."""

from __future__ import annotations

from gensim.checking.conventions import MAX_POS_EPS
from gensim.checking.record import GoalRecord, SceneRecord
from gensim.checking.vacuity import check_goals

POSE = ((0.5, 0.0, 0.02), (0.0, 0.0, 0.0, 1.0))


def _goal(**change: object) -> GoalRecord:
    doc: dict = {"objs": [5], "matches": [[True]], "targets": [POSE], "replace": False, "rotations": False,
                 "metric": "pose", "share": 1.0, "symmetries": [0.0], "zones": []}
    doc.update(change)
    return GoalRecord(**doc)


def _scene(*goals: GoalRecord, pos_eps: float = 0.01) -> SceneRecord:
    return SceneRecord(ee="suction", primitive={"kind": "pick_place"}, pos_eps=pos_eps, rot_eps=0.26,
                       zone_z_max=0.3, calls=[], objects={"fixed": [4], "rigid": [5, 6], "deformable": []},
                       goals=list(goals))


def test_honest_goals_pass() -> None:
    found = check_goals(_scene(_goal(share=0.5), _goal(objs=[6], share=0.5)))
    assert not found.errors and not found.warnings and found.shares == [0.5, 0.5]


def test_each_vacuous_goal_is_an_error_that_says_what_to_fix() -> None:
    cases = {
        "has no objects: pass the ids": _goal(objs=[], matches=[], symmetries=[]),
        "step_max_reward -1 must be positive": _goal(share=-1.0),
        "step_max_reward 0 must be positive": _goal(share=0.0),
        "off the workspace (x 0.25..0.75 m, y -0.5..0.5 m): place targets on the table":
            _goal(targets=[((0.5, 2.0, 0.0), POSE[1])]),
        "zone of 3.00 x 3.00 m is larger than the workspace": _goal(metric="zone", zones=[(POSE, (3.0, 3.0))]),
        "its zone centre (1.600, 0.000) is off the workspace": _goal(metric="zone",
                                                                     zones=[(((1.6, 0, 0), POSE[1]), (0.1, 0.1))]),
        "object 4 is not a movable object": _goal(objs=[4]),
        "matches allows no object on any target": _goal(matches=[[False]]),
    }
    for needle, goal in cases.items():
        errors = check_goals(_scene(goal)).errors
        assert errors and needle in errors[0], (needle, errors)
    assert "adds no goal" in check_goals(_scene()).errors[0]


def test_shares_that_do_not_sum_to_one_are_normalised_with_a_warning() -> None:
    third = 1.0 / 3
    found = check_goals(_scene(*[_goal(share=third) for _ in range(4)]))  # three thirds, then a fourth
    assert not found.errors and found.shares == [0.25] * 4
    assert "sum to 1.333, not 1: scaled to sum to 1 (every goal must be reached)" in found.warnings[0]
    assert check_goals(_scene(_goal(share=2.0))).shares == [1.0]


def test_a_too_large_tolerance_is_capped_with_a_warning() -> None:
    found = check_goals(_scene(_goal(), pos_eps=1.0))
    assert found.pos_eps == MAX_POS_EPS and "capped" in found.warnings[0]
