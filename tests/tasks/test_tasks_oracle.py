"""Pieces of the scripted expert that do not need a simulator."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from gensim.tasks import rewards
from gensim.tasks.goals import Goal
from gensim.tasks.oracle import Oracle, _most_interior, _yaw_quat


def test_pick_pixel_is_the_most_interior_point_of_the_top_face() -> None:
    mask = np.zeros((40, 40), bool)
    mask[10:21, 5:30] = True  # an 11 x 25 rectangle: its middle row, middle column
    assert _most_interior(mask) == (15, 17)
    ell = np.zeros((40, 40), bool)
    ell[5:30, 5:12] = True
    ell[23:30, 5:35] = True
    u, v = _most_interior(ell)
    # 3 steps clear of the edge in every direction (the most a 7 px wide bar allows)
    assert all(ell[u + du, v + dv] for du in range(-3, 4) for dv in range(-3, 4) if abs(du) + abs(dv) <= 3)
    assert _most_interior(np.pad(np.ones((1, 1), bool), 2)) == (2, 2)


def test_objects_turn_to_the_targets_own_yaw_whatever_their_symmetry() -> None:
    """As the reference's expert: an L block declared symmetric under quarter turns, lying a
    quarter turn from its target's yaw, still lands at the target's yaw (the nearest yaw modulo
    the symmetry would have kept it where it was, and the L shapes of a pyramid would cross)."""
    oracle = Oracle(SimpleNamespace(sixdof=False), env=None)
    target = ((0.5, 0.0, 0.02), _yaw_quat(0.3))
    for symmetry in (np.pi / 2, np.pi, 0.0):
        goal = Goal(objs=[4], matches=np.ones((1, 1), bool), targ_poses=[target], replace=False, rotations=True,
                    metric="pose", step_max_reward=1.0, symmetries=[symmetry])
        landing = oracle._landing_pose(((0.3, 0.2, 0.02), _yaw_quat(0.3 + np.pi / 2)), target, goal, 0)
        assert np.isclose(rewards.yaw_of(landing[1]), 0.3)
    goal.rotations = False  # without rotations the object keeps its own yaw
    landing = oracle._landing_pose(((0.3, 0.2, 0.02), _yaw_quat(1.0)), target, goal, 0)
    assert np.isclose(rewards.yaw_of(landing[1]), 1.0)
