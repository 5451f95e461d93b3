"""The convention's utils module: pose maths, pixel maths, colours, sampling."""

from __future__ import annotations

import numpy as np
import pytest

from gensim.checking.conventions import WORKSPACE
from gensim.tasks import context, utils

BOUNDS = np.array(WORKSPACE)
PIX = 0.003125


def _rot(axis: int, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    m = np.eye(3)
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
    return m


def _random_pose(rng: np.random.Generator) -> tuple:
    quat = rng.normal(size=4)
    quat /= np.linalg.norm(quat)
    return (tuple(rng.uniform(-1, 1, 3)), tuple(quat))


def test_euler_quat_round_trip_and_composition_order() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        euler = (rng.uniform(-1.4, 1.4), rng.uniform(-3, 3), rng.uniform(-3, 3))
        quat = utils.eulerXYZ_to_quatXYZW(euler)
        assert np.isclose(np.linalg.norm(quat), 1.0)
        back = utils.quatXYZW_to_eulerXYZ(quat)
        assert np.allclose(back, euler, atol=1e-9)
        expected = _rot(1, euler[1]) @ _rot(0, euler[0]) @ _rot(2, euler[2])
        assert np.allclose(utils.quat_to_matrix(quat), expected, atol=1e-9)


def test_yaw_only_matches_pybullet() -> None:
    import pybullet

    for yaw in np.linspace(-3, 3, 13):
        ours = utils.eulerXYZ_to_quatXYZW((0, 0, yaw))
        theirs = pybullet.getQuaternionFromEuler((0, 0, yaw))
        assert np.allclose(ours, theirs, atol=1e-9) or np.allclose(ours, -np.array(theirs), atol=1e-9)


def test_multiply_invert_apply_agree_with_pybullet() -> None:
    import pybullet

    rng = np.random.default_rng(2)
    for _ in range(50):
        a, b = _random_pose(rng), _random_pose(rng)
        ours = utils.multiply(a, b)
        pos, quat = pybullet.multiplyTransforms(a[0], a[1], b[0], b[1])
        assert np.allclose(ours[0], pos, atol=1e-6)
        assert np.allclose(ours[1], quat, atol=1e-6) or np.allclose(ours[1], -np.array(quat), atol=1e-6)
        ident = utils.multiply(a, utils.invert(a))
        assert np.allclose(ident[0], 0, atol=1e-9)
        assert np.isclose(abs(ident[1][3]), 1.0, atol=1e-9)
        point = rng.uniform(-1, 1, 3)
        assert np.allclose(utils.apply(a, point), utils.multiply(a, (point, (0, 0, 0, 1)))[0], atol=1e-5)
    pts = rng.uniform(-1, 1, (3, 7))
    moved = np.float32(utils.apply(a, pts))
    assert moved.shape == (3, 7)
    assert np.allclose(moved[:, 3], utils.apply(a, pts[:, 3]), atol=1e-5)


def test_pixel_maths_round_trip() -> None:
    assert utils.xyz_to_pix((0.25, -0.5, 0), BOUNDS, PIX) == (0, 0)
    assert utils.xyz_to_pix((0.75 - PIX, 0.5 - PIX, 0), BOUNDS, PIX) == (319, 159)
    height = np.zeros((320, 160), np.float32)
    height[100, 40] = 0.05
    rng = np.random.default_rng(3)
    for _ in range(100):
        u, v = int(rng.integers(320)), int(rng.integers(160))
        xyz = utils.pix_to_xyz((u, v), height, BOUNDS, PIX)
        assert utils.xyz_to_pix(xyz, BOUNDS, PIX) == (u, v)
    assert utils.pix_to_xyz((100, 40), height, BOUNDS, PIX)[2] == pytest.approx(0.05)
    assert utils.pix_to_xyz((100, 40), height, BOUNDS, PIX, skip_height=True)[2] == 0.0


def test_heightmap_keeps_highest_point() -> None:
    points = np.array([[0.3, 0.0, 0.01], [0.3, 0.0, 0.05], [0.9, 0.0, 0.05]], np.float32)
    colors = np.array([[10, 10, 10], [200, 0, 0], [0, 0, 200]], np.uint8)
    hmap, cmap = utils.get_heightmap(points, colors, BOUNDS, PIX)
    assert hmap.shape == (320, 160) and cmap.shape == (320, 160, 3)
    u, v = np.unravel_index(np.argmax(hmap), hmap.shape)
    assert np.isclose(hmap[u, v], 0.05) and tuple(cmap[u, v]) == (200, 0, 0)
    assert abs(u - 160) <= 1 and abs(v - 16) <= 1
    assert np.count_nonzero(hmap) == 1
    assert cmap[..., 2].max() == 0  # the point outside the workspace is dropped


def test_unknown_colour_name_warns_instead_of_crashing() -> None:
    warnings: list[str] = []
    with context.episode_context(None, warnings):
        rgb = utils.COLORS["chartreuse-ish"]
        same = utils.COLORS["Red"]
    assert rgb == [1.0, 0.0, 0.0] and same == utils.COLORS["red"]  # pure red, as the reference
    assert len(warnings) == 1 and "chartreuse-ish" in warnings[0]
    assert utils.COLORS["red"] + [1] == [*utils.COLORS["red"], 1]  # lists, as task code expects


def test_colour_sets_and_sampling() -> None:
    rgb, names = utils.get_colors("train")
    assert names == utils.TRAIN_COLORS and len(rgb) == 7
    _, names = utils.get_colors("test")
    assert names == utils.TRAIN_COLORS  # GenSim's splits share the training colours
    a = utils.get_colors("train", 3, rng=np.random.default_rng(5))[1]
    b = utils.get_colors("train", 3, rng=np.random.default_rng(5))[1]
    assert a == b and len(set(a)) == 3 and set(a) <= set(utils.TRAIN_COLORS)
    rgbs, one = utils.get_random_color()
    assert len(one) == 1 and rgbs[0] == utils.COLORS[one[0]]
    for name in ("blue", "red", "green", "orange", "yellow", "purple", "pink", "cyan", "brown",
                 "white", "gray", "indigo", "violet", "black", "silver", "gold"):
        assert len(utils.COLORS[name]) == 3 and all(0 <= c <= 1 for c in utils.COLORS[name])


def test_sample_distribution_stays_in_support() -> None:
    prob = np.zeros((20, 10))
    prob[3:5, 7] = 1.0
    rng = np.random.default_rng(0)
    for _ in range(20):
        u, v = utils.sample_distribution(prob, rng=rng)
        assert prob[u, v] > 0
    assert np.array_equal(utils.sample_distribution(prob, rng=np.random.default_rng(9)),
                          utils.sample_distribution(prob, rng=np.random.default_rng(9)))


def test_kitting_helpers() -> None:
    assert len(utils.assembling_kit_shapes) == 20
    assert utils.map_kit_scale(0.5) == (0.05, 0.05, 0.05)
    assert utils.map_kit_scale((1, 2, 3)) == pytest.approx((0.1, 0.2, 0.3))
    assert utils.map_kit_scale((0.03, 0.03, 0.02)) == pytest.approx((0.003, 0.003, 0.002))  # the reference's
