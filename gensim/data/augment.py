"""SE(2) augmentation of top-down observations with their pick-and-place pixel labels.

A transform rotates the image by `angle` about its centre and then shifts it by `shift`
(rows, columns); labels go through the same map, so they keep pointing at the same scene
points. The place rotation label is relative to the pick rotation, so a global rotation
leaves it unchanged. Pixels that come from outside the source image are 0 (colour and height).
Pure numpy; the randomness comes from the `numpy.random.Generator` passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random SE(2) transform."""

    max_angle: float = math.pi  # rad: angles are uniform in [-max_angle, max_angle]
    max_shift_px: int = 32  # pixels: shifts are uniform in [-max_shift_px, max_shift_px] per axis
    tries: int = 10  # draws before giving up and returning the identity (labels must stay inside)


def se2_matrix(angle: float, shift: tuple[float, float], shape: tuple[int, int]) -> np.ndarray:
    """2x3 forward map of pixel (u, v): rotate by `angle` about the image centre, then shift."""
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    centre = (np.array(shape[:2], dtype=float) - 1.0) / 2.0
    offset = centre + np.asarray(shift, dtype=float) - rot @ centre
    return np.concatenate([rot, offset[:, None]], axis=1)


def transform_pixels(uv: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """(N, 2) pixels through the forward map, rounded to integers."""
    uv = np.asarray(uv, dtype=float).reshape(-1, 2)
    return np.rint(uv @ matrix[:, :2].T + matrix[:, 2]).astype(np.int64)


@lru_cache(maxsize=4)
def _grid(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    uu, vv = np.meshgrid(np.arange(rows, dtype=np.float32), np.arange(cols, dtype=np.float32),
                         indexing="ij")
    return uu.ravel(), vv.ravel()


def source_index(shape: tuple[int, int], matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every output pixel (flat), the flat source pixel it shows and whether it has one."""
    rows, cols = shape
    uu, vv = _grid(rows, cols)
    du, dv = uu - np.float32(matrix[0, 2]), vv - np.float32(matrix[1, 2])
    su = np.rint(np.float32(matrix[0, 0]) * du + np.float32(matrix[1, 0]) * dv).astype(np.int32)
    sv = np.rint(np.float32(matrix[0, 1]) * du + np.float32(matrix[1, 1]) * dv).astype(np.int32)
    valid = (su >= 0) & (su < rows) & (sv >= 0) & (sv < cols)  # R^T (q - t), R orthonormal
    return su * cols + sv, valid


def warp(image: np.ndarray, matrix: np.ndarray,
         index: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The image seen through the forward map (nearest neighbour; 0 where nothing maps)."""
    rows, cols = image.shape[:2]
    flat, valid = index if index is not None else source_index((rows, cols), matrix)
    src = image.reshape(rows * cols, *image.shape[2:])
    out = np.zeros_like(src)
    out[valid] = src[flat[valid]]
    return out.reshape(image.shape)


def inside(uv: np.ndarray, shape: tuple[int, int]) -> bool:
    """Whether every pixel of `uv` lies in an image of `shape`."""
    uv = np.asarray(uv).reshape(-1, 2)
    return bool(np.all((uv >= 0) & (uv < np.asarray(shape[:2]))))


def random_se2(rng: np.random.Generator, shape: tuple[int, int], labels: np.ndarray,
               config: AugmentConfig = AugmentConfig()) -> np.ndarray:
    """A random forward map under which every label pixel stays inside the image (or identity)."""
    for _ in range(config.tries):
        angle = float(rng.uniform(-config.max_angle, config.max_angle))
        shift = tuple(float(x) for x in rng.integers(-config.max_shift_px, config.max_shift_px + 1, 2))
        matrix = se2_matrix(angle, shift, shape)  # type: ignore[arg-type]
        if inside(transform_pixels(labels, matrix), shape):
            return matrix
    return se2_matrix(0.0, (0.0, 0.0), shape)


def augment(color: np.ndarray, height: np.ndarray, pick_uv: np.ndarray, place_uv: np.ndarray,
            rng: np.random.Generator, config: AugmentConfig = AugmentConfig(),
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Colour (H, W, 3), height (H, W) and both labels under one random SE(2) transform."""
    shape = height.shape[:2]
    matrix = random_se2(rng, shape, np.stack([pick_uv, place_uv]), config)  # type: ignore[arg-type]
    pick, place = transform_pixels(np.stack([pick_uv, place_uv]), matrix)
    index = source_index(shape, matrix)  # type: ignore[arg-type]
    return warp(color, matrix, index), warp(height, matrix, index), pick, place
