"""Collision-free random placement on the table: a top-down free-space map, eroded and sampled.

`free_space_map` marks the heightmap pixels not covered by any object of the scene;
`erode` shrinks the free region by a square of the object's diagonal (so the whole object
fits), and `sample_pose` draws a pixel of what is left with the episode's random source.

`reference_pose` is the convention's `get_random_pose`, draw for draw: the free map of the
reference's segmentation (`gensim.sim.oracle_view`) with its one-pixel border taken, eroded
with the outside counting as free (OpenCV's default), one `choice` over the free pixels, then
one `rand` for the yaw. The same seed and the same scene so give the same pose as there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from gensim.tasks import utils
from gensim.tasks.goals import Pose
from gensim.tasks.randomness import RandomSource


def free_space_map(segmentation: np.ndarray, object_ids: Iterable[int]) -> np.ndarray:
    """True where no listed object is seen from above (the table, the floor, nothing)."""
    ids = np.fromiter((int(i) for i in object_ids), dtype=np.int64)
    free = ~np.isin(np.asarray(segmentation, dtype=np.int64), ids)
    return free


def erode(free: np.ndarray, size: int) -> np.ndarray:
    """Pixels whose centred `size` x `size` window is entirely free; outside the map is not free."""
    if size <= 1:
        return free.copy()
    occupied = np.pad((~free).astype(np.int32), size, constant_values=1)
    integral = np.pad(occupied.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    h, w = free.shape
    lo = size // 2
    hi = size - lo
    rows = np.arange(h)[:, None] + size
    cols = np.arange(w)[None, :] + size
    r0, r1, c0, c1 = rows - lo, rows + hi, cols - lo, cols + hi
    count = integral[r1, c1] - integral[r0, c1] - integral[r1, c0] + integral[r0, c0]
    return count == 0


def erode_outside_free(free: np.ndarray, size: int) -> np.ndarray:
    """Pixels whose `size` x `size` window (anchored at its centre, `size // 2` before) is
    entirely free; pixels outside the map count as free. Size 0 means 3, as in OpenCV."""
    size = 3 if size == 0 else size
    if size <= 1:
        return free.copy()
    occupied = np.pad((~free).astype(np.int32), size, constant_values=0)
    integral = np.pad(occupied.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    h, w = free.shape
    lo = size // 2
    rows = np.arange(h)[:, None] + size
    cols = np.arange(w)[None, :] + size
    r0, r1, c0, c1 = rows - lo, rows - lo + size, cols - lo, cols - lo + size
    count = integral[r1, c1] - integral[r0, c1] - integral[r1, c0] + integral[r0, c0]
    return count == 0


def reference_free_map(ids: np.ndarray, object_ids: Iterable[int], erode_size: int) -> np.ndarray:
    """The reference's free map: no listed object, not the outermost pixel ring, eroded."""
    free = free_space_map(ids, object_ids)
    free[0, :], free[:, 0], free[-1, :], free[:, -1] = False, False, False, False
    return erode_outside_free(free, erode_size)


def sample_free_pixel(free: np.ndarray) -> tuple[int, int] | None:
    """A uniformly drawn free pixel, with the global `numpy.random` draw of the reference (one
    `choice` with probabilities in float32, without replacement); None when nothing is free."""
    prob = free.astype(np.float32)
    total = np.sum(prob)
    if total == 0:
        return None
    flat = prob.flatten() / total
    index = np.random.choice(np.arange(len(flat)), 1, p=flat, replace=False)
    u, v = np.unravel_index(int(index[0]), free.shape)
    return int(u), int(v)


def reference_pose(
    ids: np.ndarray, object_ids: Iterable[int], obj_size: Sequence[float], bounds: Any, pix_size: float,
) -> tuple[Pose, bool]:
    """(pose, found) as the reference draws it (see the module docstring). With no free pixel
    it uses the map's centre pixel, as the reference does, and `found` is False. A two-number
    size is placed 5 cm high (the reference's rule)."""
    size = [float(s) for s in obj_size]
    if len(size) not in (2, 3):
        raise ValueError(f"get_random_pose: object size must have 2 or 3 numbers, got {obj_size!r}")
    erode_size = int(np.round(np.sqrt(size[0] ** 2 + size[1] ** 2) / pix_size))
    pix = sample_free_pixel(reference_free_map(ids, object_ids, erode_size))
    found = pix is not None
    if pix is None:
        pix = (ids.shape[0] // 2, ids.shape[1] // 2)
    b = np.asarray(bounds, dtype=float).reshape(3, 2)
    x = float(b[0, 0] + pix[1] * pix_size)
    y = float(b[1, 0] + pix[0] * pix_size)
    z = size[2] / 2 if len(size) == 3 else 0.05
    theta = float(np.random.rand() * 2 * np.pi)
    return ((x, y, z), utils.eulerXYZ_to_quatXYZW((0.0, 0.0, theta))), found


def object_footprint(obj_size: Sequence[float]) -> tuple[float, float, float]:
    """A size as (dx, dy, dz); a 2-element size gets zero height."""
    size = [float(s) for s in obj_size]
    if len(size) == 2:
        size.append(0.0)
    if len(size) != 3:
        raise ValueError(f"get_random_pose: object size must have 2 or 3 numbers, got {obj_size!r}")
    return (abs(size[0]), abs(size[1]), abs(size[2]))


def sample_pose(
    free: np.ndarray, obj_size: Sequence[float], bounds: Any, pix_size: float,
    rng: RandomSource, near: Sequence[float] | np.ndarray | None = None, radius: float = 0.0,
) -> Pose | None:
    """A random pose whose erosion-safe centre lies in free space, or None when none is left.

    With `near` (an xy point), only centres within `radius` metres of it are considered.
    """
    dx, dy, dz = object_footprint(obj_size)
    diagonal = float(np.hypot(dx, dy))
    eroded = erode(free, max(1, int(np.round(diagonal / pix_size))))
    if near is not None:
        b = np.asarray(bounds, dtype=float).reshape(3, 2)
        rows = b[1, 0] + np.arange(free.shape[0])[:, None] * pix_size - near[1]
        cols = b[0, 0] + np.arange(free.shape[1])[None, :] * pix_size - near[0]
        eroded &= rows**2 + cols**2 <= radius**2
    if not eroded.any():
        return None
    pix = utils.sample_distribution(eroded.astype(np.float32), rng=rng)
    x, y, _ = utils.pix_to_xyz(pix, None, bounds, pix_size, skip_height=True)
    theta = float(rng.random() * 2 * np.pi)
    return ((x, y, dz / 2), utils.eulerXYZ_to_quatXYZW((0.0, 0.0, theta)))


def fallback_pose(obj_size: Sequence[float], bounds: Any, rng: RandomSource) -> Pose:
    """A random in-bounds pose with no collision check (the object kept inside when it fits)."""
    dx, dy, dz = object_footprint(obj_size)
    b = np.asarray(bounds, dtype=float).reshape(3, 2)
    half = float(np.hypot(dx, dy)) / 2
    lo_x, hi_x = b[0, 0] + half, b[0, 1] - half
    lo_y, hi_y = b[1, 0] + half, b[1, 1] - half
    if lo_x > hi_x:
        lo_x = hi_x = float(b[0].mean())
    if lo_y > hi_y:
        lo_y = hi_y = float(b[1].mean())
    x = float(rng.uniform(lo_x, hi_x))
    y = float(rng.uniform(lo_y, hi_y))
    theta = float(rng.random() * 2 * np.pi)
    return ((x, y, dz / 2), utils.eulerXYZ_to_quatXYZW((0.0, 0.0, theta)))
