"""Camera configurations: the three RGB-D views of the convention, the oracle view, the top-down.

A camera config is a dict with the convention's keys: `image_size` (rows, cols), `intrinsics`
(3x3 row-major, pixels), `position` (xyz, m), `rotation` (quaternion xyzw of the camera frame:
x right, y down, z forward, i.e. the optical frame), `zrange` (near, far in m) and `noise`.
The view poses are the convention's (position and fixed-axis Euler angles of the reference).
The observation camera (`TopDown`) is orthographic and has its own keys, see its docstring.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gensim.sim.constants import BOUNDS, IMAGE_SHAPE, PIX_SIZE

WORKSPACE_CENTRE = (
    (BOUNDS[0][0] + BOUNDS[0][1]) / 2,
    (BOUNDS[1][0] + BOUNDS[1][1]) / 2,
    BOUNDS[2][0],
)


def matrix_to_quaternion(rot: np.ndarray) -> tuple[float, float, float, float]:
    """Quaternion (x, y, z, w) of a 3x3 rotation matrix."""
    m = np.asarray(rot, dtype=float)
    trace = m[0, 0] + m[1, 1] + m[2, 2]
    if trace > 0:
        s = 2.0 * np.sqrt(trace + 1.0)
        q = ((m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, s / 4)
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = (s / 4, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s, (m[2, 1] - m[1, 2]) / s)
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = ((m[0, 1] + m[1, 0]) / s, s / 4, (m[1, 2] + m[2, 1]) / s, (m[0, 2] - m[2, 0]) / s)
    else:
        s = 2.0 * np.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = ((m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, s / 4, (m[1, 0] - m[0, 1]) / s)
    x, y, z, w = (float(c) for c in q)
    return (x, y, z, w)


def quaternion_to_matrix(quat: Any) -> np.ndarray:
    """3x3 rotation matrix of a quaternion (x, y, z, w)."""
    x, y, z, w = (float(c) for c in quat)
    n = x * x + y * y + z * z + w * w
    s = 2.0 / n if n > 0 else 0.0
    return np.array(
        [
            [1 - s * (y * y + z * z), s * (x * y - z * w), s * (x * z + y * w)],
            [s * (x * y + z * w), 1 - s * (x * x + z * z), s * (y * z - x * w)],
            [s * (x * z - y * w), s * (y * z + x * w), 1 - s * (x * x + y * y)],
        ]
    )


def look_at_rotation(position: Any, target: Any) -> tuple[float, float, float, float]:
    """Optical-frame quaternion of a camera at `position` looking at `target`, world z up."""
    forward = np.asarray(target, float) - np.asarray(position, float)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, (0.0, 0.0, 1.0))
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return matrix_to_quaternion(np.stack([right, down, forward], axis=1))


def euler_to_quaternion(rx: float, ry: float, rz: float) -> tuple[float, float, float, float]:
    """Quaternion (x, y, z, w) of fixed-axis rotations about x, then y, then z (pybullet's
    `getQuaternionFromEuler` convention): R = Rz(rz) Ry(ry) Rx(rx)."""
    def axis(i: int, angle: float) -> np.ndarray:
        c, s = np.cos(angle), np.sin(angle)
        m = np.eye(3)
        j, k = (i + 1) % 3, (i + 2) % 3
        m[j, j], m[j, k], m[k, j], m[k, k] = c, -s, s, c
        return m

    return matrix_to_quaternion(axis(2, rz) @ axis(1, ry) @ axis(0, rx))


def _view(position: tuple[float, float, float], euler: tuple[float, float, float]) -> dict[str, Any]:
    return {
        "image_size": (480, 640),
        "intrinsics": (450.0, 0.0, 320.0, 0.0, 450.0, 240.0, 0.0, 0.0, 1.0),
        "position": position,
        "rotation": euler_to_quaternion(*euler),
        "zrange": (0.01, 10.0),
        "noise": False,
    }


class RealSenseD415:
    """The three RGB-D views of the convention: front, left, right, 480x640, f = 450 px.

    Poses are the reference's (CLIPort's): the front camera 1 m in front of the robot base
    tilted 45 degrees down, the side cameras tilted 40 degrees down and turned 45 degrees
    towards the workspace (they do not aim exactly at its centre).
    """

    CONFIG: list[dict[str, Any]] = [
        _view((1.0, 0.0, 0.75), (np.pi / 4, np.pi, -np.pi / 2)),
        _view((0.0, 0.5, 0.75), (np.pi / 4.5, np.pi, np.pi / 4)),
        _view((0.0, -0.5, 0.75), (np.pi / 4.5, np.pi, 3 * np.pi / 4)),
    ]


class Oracle:
    """A top-down view from far away with a very long focal length (nearly orthographic)."""

    CONFIG: list[dict[str, Any]] = [
        {
            "image_size": (480, 640),
            "intrinsics": (63e4, 0.0, 320.0, 0.0, 63e4, 240.0, 0.0, 0.0, 1.0),
            "position": (0.5, 0.0, 1000.0),
            "rotation": euler_to_quaternion(0.0, np.pi, -np.pi / 2),
            "zrange": (999.7, 1001.0),
            "noise": False,
        }
    ]


class TopDown:
    """The orthographic observation camera: one pixel per `pix_size` over the workspace.

    Keys: `image_size` (rows along y, columns along x), `bounds`, `pix_size`, `height` (camera
    z in m; anything above `height - near` is clipped), `zrange` (near, far of the projection).
    """

    CONFIG: dict[str, Any] = {
        "image_size": IMAGE_SHAPE,
        "bounds": BOUNDS,
        "pix_size": PIX_SIZE,
        "height": 1.0,
        "zrange": (0.01, 2.0),
    }
