"""The convention's `utils` module: colours, pose maths, image maths and kitting helpers.

Task files import it as `from cliport.utils import utils`; the loader maps that name here.
Pose maths is plain numpy (no pybullet client needed). Functions that the convention bases on
the global `random`/`np.random` state keep doing so when no `rng` is given, because task code
expects it (the episode runner seeds both); our own code always passes a Generator.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from gensim.sim import colors as sim_colors
from gensim.sim import render
from gensim.tasks import context
from gensim.tasks.goals import Pose
from gensim.tasks.randomness import RandomSource

ALIASES = {"grey": "gray"}  # looked up, never listed (see `ColorDict`)


class ColorDict(dict[str, list[float]]):
    """Colour name -> RGB list; an unknown name gives pure red and records a warning, not a crash.

    Values are lists so that task code can append an alpha (`COLORS["red"] + [1]`); the
    palette itself is the simulator's (`gensim.sim.colors`). The keys are the reference's 16
    names in its order: task code draws from them (`np.random.choice(list(COLORS))`), and a
    17th key would change what it draws and every draw after; our `grey` alias is found by
    lookup only.
    """

    def __missing__(self, key: str) -> list[float]:
        if isinstance(key, str):
            name = key.strip().lower()
            name = ALIASES.get(name, name)
            if name in self:
                return list(super().__getitem__(name))
        context.record_warning(f"unknown colour name {key!r}: used pure red")
        return list(sim_colors.FALLBACK_RGB)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(ALIASES.get(key, key) if isinstance(key, str) else key, default)


COLORS: ColorDict = ColorDict({name: list(rgb) for name, rgb in sim_colors.COLORS.items() if name not in ALIASES})
TRAIN_COLORS: list[str] = list(sim_colors.TRAIN_COLORS)
PALETTE: list[str] = list(COLORS)
"""The reference's 16 colour names in its order (without our `grey` alias): tasks that cycle
through "every colour but ..." for distractors index this list, as the reference indexes its
`COLORS`."""
EVAL_COLORS: list[str] = list(sim_colors.EVAL_COLORS)


def get_colors_names(mode: str) -> list[str]:
    """The colour names of a split: the training colours in every mode, as GenSim does (its
    val and test splits differ from train by seeds, not by colours); `EVAL_COLORS` stays
    available to tasks that ask for it by name."""
    del mode
    return list(TRAIN_COLORS)


def get_colors(
    mode: str, n_colors: int = -1, rng: RandomSource | None = None, **_: Any
) -> tuple[list[list[float]], list[str]]:
    """`(rgb_list, names)` of the split's colours; `n_colors` > 0 samples that many distinct ones."""
    names = get_colors_names(mode)
    if n_colors != -1:
        n = min(int(n_colors), len(names))
        if rng is None:
            names = random.sample(names, n)
        else:
            names = [names[i] for i in rng.choice(len(names), size=n, replace=False)]
    return [list(COLORS[n]) for n in names], names


def get_random_color(rng: RandomSource | None = None) -> tuple[list[list[float]], list[str]]:
    """One random training colour, as `([rgb], [name])` like `get_colors`."""
    return get_colors("train", 1, rng=rng)


# ---------------------------------------------------------------- pose maths (quat xyzw)


def _quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array([
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    ])


def quat_to_matrix(quat: Sequence[float] | np.ndarray) -> np.ndarray:
    """3x3 rotation matrix of a quaternion xyzw (normalised first)."""
    x, y, z, w = np.asarray(quat, dtype=float) / np.linalg.norm(quat)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def _axis_quat(axis: int, angle: float) -> np.ndarray:
    q = np.zeros(4)
    q[axis] = np.sin(angle / 2)
    q[3] = np.cos(angle / 2)
    return q


def eulerXYZ_to_quatXYZW(rotation: Sequence[float]) -> tuple[float, float, float, float]:  # noqa: N802
    """Euler angles (rx, ry, rz) to a quaternion xyzw.

    The convention composes static axes z, then x, then y: R = Ry(ry) Rx(rx) Rz(rz). For a
    yaw-only rotation this equals pybullet's `getQuaternionFromEuler`.
    """
    rx, ry, rz = (float(v) for v in rotation)
    q = _quat_mul(_axis_quat(1, ry), _quat_mul(_axis_quat(0, rx), _axis_quat(2, rz)))
    if q[3] < 0:
        q = -q
    return tuple(float(v) for v in q)  # type: ignore[return-value]


def quatXYZW_to_eulerXYZ(quaternion_xyzw: Sequence[float]) -> tuple[float, float, float]:  # noqa: N802
    """The inverse of `eulerXYZ_to_quatXYZW`: (rx, ry, rz) with R = Ry(ry) Rx(rx) Rz(rz)."""
    m = quat_to_matrix(quaternion_xyzw)
    rx = float(np.arcsin(np.clip(-m[1, 2], -1.0, 1.0)))
    if abs(m[1, 2]) < 1 - 1e-9:
        rz = float(np.arctan2(m[1, 0], m[1, 1]))
        ry = float(np.arctan2(m[0, 2], m[2, 2]))
    else:  # gimbal lock: put all the remaining rotation into rz
        ry = 0.0
        rz = float(np.arctan2(-m[0, 1], m[0, 0]))
    return (rx, ry, rz)


def multiply(pose0: Pose | Sequence[Any], pose1: Pose | Sequence[Any]) -> Pose:
    """Compose two poses: `pose0 * pose1` (pose1 expressed in pose0's frame, to world)."""
    p0, q0 = np.asarray(pose0[0], dtype=float), np.asarray(pose0[1], dtype=float)
    p1, q1 = np.asarray(pose1[0], dtype=float), np.asarray(pose1[1], dtype=float)
    pos = quat_to_matrix(q0) @ p1 + p0
    quat = _quat_mul(q0 / np.linalg.norm(q0), q1 / np.linalg.norm(q1))
    return (tuple(float(v) for v in pos), tuple(float(v) for v in quat))  # type: ignore[return-value]


def invert(pose: Pose | Sequence[Any]) -> Pose:
    """The inverse transform of a pose."""
    pos, quat = np.asarray(pose[0], dtype=float), np.asarray(pose[1], dtype=float)
    quat = quat / np.linalg.norm(quat)
    inv_q = np.array([-quat[0], -quat[1], -quat[2], quat[3]])
    inv_p = -(quat_to_matrix(inv_q) @ pos)
    return (tuple(float(v) for v in inv_p), tuple(float(v) for v in inv_q))  # type: ignore[return-value]


def apply(pose: Pose | Sequence[Any], position: Any) -> tuple[Any, ...]:
    """A point (3,) or points (3, N) given in the pose's frame, expressed in world coordinates.

    Returns a position, not a pose: pair it with `pose[1]` to make a target pose.
    """
    pts = np.asarray(position, dtype=np.float32)
    shape = pts.shape
    pts = pts.reshape(3, -1)
    rot = quat_to_matrix(pose[1]).astype(np.float32)
    trans = np.asarray(pose[0], dtype=np.float32).reshape(3, 1)
    return tuple((rot @ pts + trans).reshape(shape))


# ---------------------------------------------------------------- image maths


def _bounds(bounds: Any) -> np.ndarray:
    return np.asarray(bounds, dtype=float).reshape(3, 2)


def xyz_to_pix(position: Sequence[float], bounds: Any, pixel_size: float) -> tuple[int, int]:
    """World xyz to heightmap pixel (u, v): row u along y, column v along x."""
    b = _bounds(bounds)
    u = int(np.round((position[1] - b[1, 0]) / pixel_size))
    v = int(np.round((position[0] - b[0, 0]) / pixel_size))
    return (u, v)


def pix_to_xyz(
    pixel: Sequence[int] | np.ndarray, height: np.ndarray | None, bounds: Any, pixel_size: float,
    skip_height: bool = False,
) -> tuple[float, float, float]:
    """Heightmap pixel (u, v) to world xyz; z comes from the heightmap unless `skip_height`."""
    b = _bounds(bounds)
    u, v = int(pixel[0]), int(pixel[1])
    x = b[0, 0] + v * pixel_size
    y = b[1, 0] + u * pixel_size
    z = 0.0 if skip_height or height is None else b[2, 0] + float(height[u, v])
    return (float(x), float(y), float(z))


def sample_distribution(
    prob: np.ndarray, n_samples: int = 1, rng: RandomSource | None = None
) -> np.ndarray:
    """Sample pixel coordinates from an unnormalised 2-D distribution (without replacement)."""
    flat = np.asarray(prob, dtype=np.float64).flatten()
    flat = flat / np.sum(flat)
    if rng is None:
        idx = np.random.choice(flat.size, n_samples, p=flat, replace=False)
    else:
        idx = rng.choice(flat.size, n_samples, p=flat, replace=False)
    coords = np.array(np.unravel_index(idx, np.shape(prob))).T
    return np.asarray(coords.squeeze(), dtype=np.int32)


def get_pointcloud(depth: np.ndarray, intrinsics: Any) -> np.ndarray:
    """Back-project a depth image (H, W) into optical-frame points (H, W, 3).

    `intrinsics` may be the 9-tuple of a camera config or a 3x3 matrix.
    """
    flat = [float(v) for v in np.asarray(intrinsics, dtype=float).reshape(-1)]
    return render.get_pointcloud(depth, flat)


# The simulator's implementations are the convention's: (heightmap, colormap) order of results.
transform_pointcloud = render.transform_pointcloud
get_heightmap = render.get_heightmap
reconstruct_heightmaps = render.reconstruct_heightmaps


# ---------------------------------------------------------------- kitting

assembling_kit_shapes: dict[int, str] = {
    0: "letter R shape", 1: "letter A shape", 2: "triangle", 3: "square", 4: "plus",
    5: "letter T shape", 6: "diamond", 7: "pentagon", 8: "rectangle", 9: "flower",
    10: "star", 11: "circle", 12: "letter G shape", 13: "letter V shape",
    14: "letter E shape", 15: "letter L shape", 16: "ring", 17: "hexagon", 18: "heart",
    19: "letter M shape",
}


def map_kit_scale(scale: float | Sequence[float]) -> tuple[float, float, float]:
    """The mesh scale of a kitting shape of the given size, as a 3-tuple: a tenth of each value,
    as the reference's (`map_kit_scale((0.03, 0.03, 0.02))` gives the 0.003 scale of
    assembling-kits' 5 cm shapes; the value was passed through unchanged before, which made
    such shapes 10 times too big). A number scales all axes equally."""
    if isinstance(scale, (int, float, np.number)):
        return (float(scale) / 10,) * 3  # type: ignore[return-value]
    values = [float(s) / 10 for s in scale]
    if len(values) == 1:
        values *= 3
    return (values[0], values[1], values[2])
