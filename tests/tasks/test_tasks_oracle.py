"""Pieces of the scripted expert that do not need a simulator."""

from __future__ import annotations

import numpy as np

from gensim.tasks.oracle import _most_interior, _nearest_symmetric_yaw


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


def test_symmetric_targets_turn_the_least() -> None:
    assert np.isclose(_nearest_symmetric_yaw(0.0, 1.5, np.pi / 2), np.pi / 2)
    assert np.isclose(_nearest_symmetric_yaw(0.0, 1.5, 0.0), 0.0)  # no symmetry: a full turn period
    assert np.isclose(_nearest_symmetric_yaw(0.2, -2.9, np.pi), 0.2 - np.pi)
