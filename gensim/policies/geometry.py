"""Conversions between heightmap pixels, rotation bins and world poses (numpy only).

Pixels follow the convention of the observations: row u along y, column v along x, one pixel
per `PIXEL_SIZE` metres from the workspace's low corner. Rotation bin k of `bins` stands for a
place yaw of `k * 2*pi / bins` relative to the pick yaw (counter-clockwise about +z).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from gensim.policies.config import IMAGE_SHAPE, PIXEL_SIZE, THETA_BINS, WORKSPACE_BOUNDS

Pose = tuple[tuple[float, float, float], tuple[float, float, float, float]]


def xyz_to_pixel(
    xyz: Sequence[float], bounds: Sequence[Sequence[float]] = WORKSPACE_BOUNDS,
    pixel_size: float = PIXEL_SIZE, shape: tuple[int, int] = IMAGE_SHAPE,
) -> tuple[int, int]:
    """World xyz to the (u, v) pixel that contains it, clipped into the image."""
    u = int(round((float(xyz[1]) - bounds[1][0]) / pixel_size))
    v = int(round((float(xyz[0]) - bounds[0][0]) / pixel_size))
    return min(max(u, 0), shape[0] - 1), min(max(v, 0), shape[1] - 1)


def pixel_to_xyz(
    uv: Sequence[int], height: np.ndarray, bounds: Sequence[Sequence[float]] = WORKSPACE_BOUNDS,
    pixel_size: float = PIXEL_SIZE,
) -> tuple[float, float, float]:
    """The world point of pixel (u, v): its centre in x, y and the height map's z there."""
    u, v = int(uv[0]), int(uv[1])
    x = bounds[0][0] + v * pixel_size
    y = bounds[1][0] + u * pixel_size
    z = bounds[2][0] + float(height[u, v])
    return float(x), float(y), float(z)


def yaw_to_quat(yaw: float) -> tuple[float, float, float, float]:
    """Quaternion (x, y, z, w) of a rotation by `yaw` radians about +z."""
    return 0.0, 0.0, math.sin(yaw / 2.0), math.cos(yaw / 2.0)


def quat_to_yaw(quat: Sequence[float]) -> float:
    """Rotation about +z (radians, in (-pi, pi]) of a quaternion (x, y, z, w)."""
    x, y, z, w = (float(q) for q in quat)
    return math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))


def yaw_to_bin(yaw: float, bins: int = THETA_BINS) -> int:
    """The bin whose centre is nearest to `yaw` (radians, any range)."""
    step = 2.0 * math.pi / bins
    return int(round((yaw % (2.0 * math.pi)) / step)) % bins


def bin_to_yaw(index: int, bins: int = THETA_BINS) -> float:
    """The yaw (radians, in [0, 2*pi)) at the centre of bin `index`."""
    return (int(index) % bins) * 2.0 * math.pi / bins


def action_from_prediction(
    pick_uv: Sequence[int], place_uv: Sequence[int], theta_index: int, height: np.ndarray,
    bins: int = THETA_BINS, bounds: Sequence[Sequence[float]] = WORKSPACE_BOUNDS,
    pixel_size: float = PIXEL_SIZE,
) -> dict[str, Pose]:
    """The `{pose0, pose1}` action of a prediction: pick with zero yaw, place turned by the bin."""
    pick = pixel_to_xyz(pick_uv, height, bounds, pixel_size)
    place = pixel_to_xyz(place_uv, height, bounds, pixel_size)
    return {"pose0": (pick, yaw_to_quat(0.0)),
            "pose1": (place, yaw_to_quat(bin_to_yaw(theta_index, bins)))}
