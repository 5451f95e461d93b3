"""Label, pixel and pose conversions of the policy, against the simulator's and dataset's own."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gensim.data import format as data_format
from gensim.policies import config, geometry
from gensim.sim import constants


def test_convention_constants_match_the_simulator() -> None:
    assert config.WORKSPACE_BOUNDS == constants.BOUNDS
    assert config.PIXEL_SIZE == constants.PIX_SIZE
    assert config.IMAGE_SHAPE == constants.IMAGE_SHAPE
    assert config.THETA_BINS == data_format.THETA_BINS


def test_pixel_xyz_round_trip_agrees_with_the_dataset_labels() -> None:
    rng = np.random.default_rng(0)
    height = rng.uniform(0, 0.2, size=(320, 160)).astype(np.float32)
    for u, v in rng.integers([0, 0], [320, 160], size=(200, 2)):
        xyz = geometry.pixel_to_xyz((u, v), height)
        assert geometry.xyz_to_pixel(xyz) == (u, v)
        assert data_format.xyz_to_uv(xyz) == (u, v)
        assert xyz[2] == pytest.approx(float(height[u, v]))
    corner = geometry.pixel_to_xyz((0, 0), height)
    assert corner[:2] == pytest.approx((0.25, -0.5))
    assert geometry.xyz_to_pixel((10.0, -10.0, 0.0)) == (0, 159)  # clipped into the image


def test_rotation_bins_round_trip_and_wrap() -> None:
    for k in range(36):
        yaw = geometry.bin_to_yaw(k)
        assert geometry.yaw_to_bin(yaw) == k
        assert geometry.yaw_to_bin(yaw - 2 * math.pi) == k
        assert geometry.yaw_to_bin(yaw + math.radians(4.9)) == k
        assert data_format.theta_bin(yaw) == k
        quat = geometry.yaw_to_quat(yaw)
        assert math.isclose(sum(q * q for q in quat), 1.0)
        back = geometry.quat_to_yaw(quat) % (2 * math.pi)
        assert min(abs(back - yaw), 2 * math.pi - abs(back - yaw)) < 1e-9
    assert geometry.yaw_to_bin(math.radians(355.1)) == 0
    assert geometry.bin_to_yaw(37) == pytest.approx(math.radians(10))


def test_prediction_to_action_to_dataset_labels_round_trip() -> None:
    """An action built from a prediction gives back the same labels through the dataset code."""
    rng = np.random.default_rng(1)
    height = rng.uniform(0, 0.1, size=(320, 160)).astype(np.float32)
    for _ in range(50):
        pick = tuple(int(x) for x in rng.integers([0, 0], [320, 160]))
        place = tuple(int(x) for x in rng.integers([0, 0], [320, 160]))
        theta = int(rng.integers(0, 36))
        action = geometry.action_from_prediction(pick, place, theta, height)
        (p0, q0), (p1, q1) = action["pose0"], action["pose1"]
        assert data_format.xyz_to_uv(p0) == pick
        assert data_format.xyz_to_uv(p1) == place
        assert data_format.theta_bin(data_format.place_theta((p0, q0), (p1, q1))) == theta
        assert p1[2] == pytest.approx(float(height[place]))
