"""Free-space erosion and sampling behind `Task.get_random_pose`."""

from __future__ import annotations

import numpy as np

from gensim.checking.conventions import WORKSPACE
from gensim.tasks import utils
from gensim.tasks.placement import erode, fallback_pose, free_space_map, sample_pose

BOUNDS = np.array(WORKSPACE)
PIX = 0.003125


def test_erode_keeps_only_centres_whose_window_is_free() -> None:
    free = np.ones((20, 30), dtype=bool)
    free[10, 15] = False
    eroded = erode(free, 5)
    # a 5x5 window centred within 2 px of the obstacle touches it; the border is not free either
    assert not eroded[8:13, 13:18].any()
    assert eroded[10, 10] and eroded[5, 15]
    assert not eroded[:2].any() and not eroded[:, :2].any() and not eroded[-2:].any()
    brute = np.zeros_like(free)
    padded = np.pad(free, 5, constant_values=False)
    for u in range(20):
        for v in range(30):
            brute[u, v] = padded[u + 5 - 2:u + 5 + 3, v + 5 - 2:v + 5 + 3].all()
    assert np.array_equal(eroded, brute)


def test_free_space_map_excludes_listed_objects_only() -> None:
    segm = np.full((4, 4), -1)
    segm[0, 0], segm[1, 1], segm[2, 2] = 7, 8, 1  # 1: the table, not an object of the scene
    free = free_space_map(segm, [7, 8])
    assert not free[0, 0] and not free[1, 1] and free[2, 2] and free[3, 3]


def test_sampled_poses_are_in_free_space_and_in_bounds() -> None:
    rng = np.random.default_rng(0)
    free = np.ones((320, 160), dtype=bool)
    free[:, :80] = False  # the near half of the table is taken
    for _ in range(50):
        (x, y, z), quat = sample_pose(free, (0.04, 0.06, 0.02), BOUNDS, PIX, rng)
        u, v = utils.xyz_to_pix((x, y, z), BOUNDS, PIX)
        assert free[u, v] and v >= 80 + 11  # half the 7.2 cm diagonal away from the taken half
        assert 0.25 <= x <= 0.75 and -0.5 <= y <= 0.5 and z == 0.01
        assert np.isclose(np.linalg.norm(quat), 1)


def test_no_free_space_gives_none_and_fallback_stays_in_bounds() -> None:
    rng = np.random.default_rng(1)
    assert sample_pose(np.zeros((320, 160), bool), (0.04, 0.04, 0.04), BOUNDS, PIX, rng) is None
    for size in [(0.04, 0.04, 0.04), (0.1, 0.3), (2.0, 2.0, 0.1)]:
        (x, y, _), _ = fallback_pose(size, BOUNDS, rng)
        assert 0.25 <= x <= 0.75 and -0.5 <= y <= 0.5


def test_reference_erosion_counts_outside_as_free_and_anchors_even_windows() -> None:
    from gensim.tasks.placement import erode_outside_free

    free = np.ones((12, 14), dtype=bool)
    free[6, 7] = False
    for size in (0, 1, 2, 4, 5):
        eroded = erode_outside_free(free, size)
        k = 3 if size == 0 else size
        brute = np.ones_like(free)
        for u in range(12):
            for v in range(14):
                rows = [r for r in range(u - k // 2, u - k // 2 + k) if 0 <= r < 12]
                cols = [c for c in range(v - k // 2, v - k // 2 + k) if 0 <= c < 14]
                brute[u, v] = free[np.ix_(rows, cols)].all()
        assert np.array_equal(eroded, brute), size
    assert erode_outside_free(np.ones((5, 5), dtype=bool), 4).all()  # the border stays free


def test_reference_pose_draws_like_the_reference() -> None:
    from gensim.tasks.placement import reference_pose

    ids = np.zeros((320, 160), dtype=np.int32)
    ids[100:140, 50:90] = 5  # an object
    np.random.seed(3)
    pose, found = reference_pose(ids, [5], (0.04, 0.04, 0.04), BOUNDS, PIX)
    np.random.seed(3)
    free = np.ones((320, 160), dtype=np.float32)
    free[ids == 5] = 0
    free[0, :], free[:, 0], free[-1, :], free[:, -1] = 0, 0, 0, 0
    from gensim.tasks.placement import erode_outside_free

    eroded = erode_outside_free(free > 0, 18).astype(np.float32)  # round(0.0566 / 0.003125) = 18
    flat = eroded.flatten() / np.sum(eroded)
    index = int(np.random.choice(np.arange(len(flat)), 1, p=flat, replace=False)[0])
    u, v = np.unravel_index(index, eroded.shape)
    theta = np.random.rand() * 2 * np.pi
    assert found and pose[0] == (BOUNDS[0, 0] + v * PIX, BOUNDS[1, 0] + u * PIX, 0.02)
    assert np.allclose(pose[1], utils.eulerXYZ_to_quatXYZW((0, 0, theta)))
    full = np.full((320, 160), 5, dtype=np.int32)
    (xyz, _), found = reference_pose(full, [5], (0.04, 0.04), BOUNDS, PIX)
    assert not found and xyz == (BOUNDS[0, 0] + 80 * PIX, BOUNDS[1, 0] + 160 * PIX, 0.05)
