"""Rendering with PyBullet's CPU renderer: the orthographic top-down observation, the RGB-D views,
and the fusion of RGB-D views into top-down colour and height maps.

Top-down: one orthographic camera looks straight down at the workspace centre; its projection
matrix is built here (TinyRenderer accepts any 4x4 projection). Looking down with image x along
world +x gives image rows along world -y, so rows are flipped to get the convention's layout:
row u -> y = y_min + u * pix, column v -> x = x_min + v * pix (the heightmap is the mirror image
of a photo taken from above).

Depth: PyBullet returns a z-buffer value d in [0, 1] computed from the linear depth L (distance
along the optical axis) with the near/far planes that it reads from the projection matrix as
if it were a perspective one: near' = m[14] / (m[10] - 1), far' = m[14] / (m[10] + 1), with
d = (far' + near' - 2 near' far' / L) / (2 (far' - near')) + 1/2. For a perspective matrix these
are the true planes; for the orthographic one they are not, so `depth_planes` derives them from
the matrix and `zbuffer_to_depth` inverts the formula in both cases. Pixels outside
[near', far'] are not drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gensim.sim.cameras import TopDown, quaternion_to_matrix

EMPTY_ZBUFFER = 0.99999  # z-buffer values at least this are pixels where nothing was drawn
LIGHT = {
    "lightDirection": (0.0, 0.0, 1.0),
    "lightAmbientCoeff": 0.7,
    "lightDiffuseCoeff": 0.3,
    "lightSpecularCoeff": 0.0,
    "shadow": 0,
}


def _column_major(matrix: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(matrix, float).T.reshape(-1)]


def orthographic_projection(half_width: float, half_height: float, near: float, far: float) -> list[float]:
    """OpenGL orthographic projection (column-major, 16 floats) of a box centred on the axis."""
    m = np.diag([1.0 / half_width, 1.0 / half_height, -2.0 / (far - near), 1.0])
    m[2, 3] = -(far + near) / (far - near)
    return _column_major(m)


def perspective_projection(config: dict[str, Any]) -> list[float]:
    """OpenGL perspective projection (column-major) from a camera config's pinhole intrinsics."""
    rows, cols = config["image_size"]
    fx, _, cx, _, fy, cy, *_ = config["intrinsics"]
    near, far = config["zrange"]
    m = np.zeros((4, 4))
    m[0, 0], m[0, 2] = 2 * fx / cols, 1 - 2 * cx / cols
    # The CPU renderer samples output row r at image row r + 1 (column c at column c): shifting
    # cy by one row makes pixel (r, c) the ray of the intrinsics' (u=c, v=r), as back-projection
    # assumes (measured: without it, fused table heights are off by ~1.7 mm).
    m[1, 1], m[1, 2] = 2 * fy / rows, 2 * (cy + 1) / rows - 1
    m[2, 2], m[2, 3] = -(far + near) / (far - near), -2 * far * near / (far - near)
    m[3, 2] = -1.0
    return _column_major(m)


def view_matrix(position: Sequence[float], rotation: Sequence[float]) -> list[float]:
    """OpenGL view matrix (column-major) of a camera with an optical-frame rotation (x right,
    y down, z forward)."""
    rot_gl = quaternion_to_matrix(rotation) @ np.diag([1.0, -1.0, -1.0])
    view = np.eye(4)
    view[:3, :3] = rot_gl.T
    view[:3, 3] = -rot_gl.T @ np.asarray(position, float)
    return _column_major(view)


def depth_planes(projection: Sequence[float]) -> tuple[float, float]:
    """The near/far planes PyBullet uses to encode the z-buffer of this projection (see above)."""
    m10, m14 = float(projection[10]), float(projection[14])
    return m14 / (m10 - 1.0), m14 / (m10 + 1.0)


def zbuffer_to_depth(zbuffer: np.ndarray, near: float, far: float) -> np.ndarray:
    """Linear depth (m along the optical axis) from PyBullet's z-buffer values."""
    return (far * near / (far - (far - near) * np.asarray(zbuffer, np.float64))).astype(np.float32)


class Visibility:
    """Shows or hides one body for cameras by switching the alpha of its visuals (the renderers
    do not draw alpha 0) and back to the colours it had when this was made."""

    def __init__(self, p: Any, client: int, body: int) -> None:
        self.p, self.client, self.body = p, client, body
        shapes = p.getVisualShapeData(body, physicsClientId=client)
        self.colors = {int(d[1]): tuple(d[7]) for d in shapes}
        self.visible = True

    def set(self, visible: bool) -> None:
        """Show (`True`) or hide (`False`) the body."""
        if visible == self.visible:
            return
        for link, rgba in self.colors.items():
            color = rgba if visible else (*rgba[:3], 0.0)
            self.p.changeVisualShape(self.body, link, rgbaColor=color, physicsClientId=self.client)
        self.visible = visible


@dataclass
class Backdrop:
    """What a camera sees of the ground and table alone: colour, depth and segmentation."""

    color: np.ndarray  # (rows, cols, 3) uint8
    depth: np.ndarray  # (rows, cols) float32, m along the optical axis (far plane: sky)
    segm: np.ndarray  # (rows, cols) int32 body ids, -1 for sky


@dataclass
class Ground:
    """The ground and the table top, flat at z = 0, drawn here instead of by the renderer.

    While cameras render, the caller hides both bodies; pixels where nothing was drawn are then
    copied from the camera's backdrop: each ray's hit on z = 0 gets the table colour inside
    `table_xy` and the ground colour outside. The CPU renderer spends more time on these two
    large faces than on all objects together, while their image is known exactly (top faces
    under the overhead light render at their own colour) and is the same for every frame of a
    camera, so it is computed once per camera.
    """

    table_color: tuple[int, int, int]  # RGB uint8
    ground_color: tuple[int, int, int]  # RGB uint8
    table_xy: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max of the table top, m
    table_id: int  # body ids, for segmentation
    ground_id: int
    _backdrops: dict[Any, Backdrop] = field(default_factory=dict, repr=False, compare=False)

    def _paint(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x0, x1, y0, y1 = self.table_xy
        on_table = (xy[..., 0] >= x0) & (xy[..., 0] <= x1) & (xy[..., 1] >= y0) & (xy[..., 1] <= y1)
        color = np.where(on_table[..., None], self.table_color, self.ground_color).astype(np.uint8)
        return color, np.where(on_table, self.table_id, self.ground_id).astype(np.int32)

    def topdown(self, cfg: dict[str, Any]) -> Backdrop:
        """The backdrop of the orthographic top-down camera (in the renderer's row order)."""
        key = ("topdown", repr(cfg))
        if key not in self._backdrops:
            rows, cols = cfg["image_size"]
            (x0, _), (_, y1), _ = cfg["bounds"]
            r, c = np.mgrid[0:rows, 0:cols]
            xy = np.stack([x0 + c * cfg["pix_size"], y1 - (r + 1) * cfg["pix_size"]], axis=-1)
            color, segm = self._paint(xy)
            self._backdrops[key] = Backdrop(color, np.full((rows, cols), cfg["height"], np.float32), segm)
        return self._backdrops[key]

    def camera(self, cfg: dict[str, Any]) -> Backdrop:
        """The backdrop of a perspective camera config."""
        key = ("camera", repr(cfg))
        if key not in self._backdrops:
            rows, cols = cfg["image_size"]
            fx, _, cx, _, fy, cy, *_ = cfg["intrinsics"]
            near, far = cfg["zrange"]
            r, c = np.mgrid[0:rows, 0:cols]
            rays = np.stack([(c - cx) / fx, (r - cy) / fy, np.ones((rows, cols))], axis=-1)
            dirs = rays @ quaternion_to_matrix(cfg["rotation"]).T
            origin = np.asarray(cfg["position"], float)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = -origin[2] / dirs[..., 2]  # depth along the optical axis (rays have z_opt = 1)
            hit = (dirs[..., 2] < 0) & (t >= near) & (t <= far)
            color, segm = self._paint(origin[:2] + np.where(hit, t, 0.0)[..., None] * dirs[..., :2])
            color[~hit] = 255
            segm[~hit] = -1
            self._backdrops[key] = Backdrop(color, np.where(hit, t, far).astype(np.float32), segm)
        return self._backdrops[key]

    @staticmethod
    def fill(
        backdrop: Backdrop, nothing: np.ndarray, color: np.ndarray, depth: np.ndarray, segm: np.ndarray | None
    ) -> None:
        """Copy the backdrop into the pixels where nothing was drawn."""
        np.copyto(color, backdrop.color, where=nothing[..., None])
        np.copyto(depth, backdrop.depth, where=nothing)
        if segm is not None:
            np.copyto(segm, backdrop.segm, where=nothing)


def _capture(
    p: Any, client: int, size: tuple[int, int], view: list[float], proj: list[float], segmentation: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Render: colour, depth, segmentation (or None) and the mask of pixels where nothing was drawn."""
    rows, cols = size
    flags = 0 if segmentation else p.ER_NO_SEGMENTATION_MASK
    _, _, rgba, zbuf, seg = p.getCameraImage(
        cols, rows, view, proj, renderer=p.ER_TINY_RENDERER, flags=flags, physicsClientId=client, **LIGHT
    )
    color = np.array(rgba, dtype=np.uint8).reshape(rows, cols, 4)[..., :3]
    zbuf = np.asarray(zbuf, np.float32).reshape(rows, cols)
    depth = zbuffer_to_depth(zbuf, *depth_planes(proj))
    segm = np.array(seg, dtype=np.int32).reshape(rows, cols) if segmentation else None
    return np.ascontiguousarray(color), depth, segm, zbuf >= EMPTY_ZBUFFER


def render_topdown(
    p: Any, client: int, segmentation: bool = False, config: dict[str, Any] | None = None,
    ground: Ground | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Colour (rows, cols, 3) uint8, height (rows, cols) float32 in metres above the table and,
    when asked, the segmentation (rows, cols) int32 of body ids (-1: nothing).

    With `ground`, the caller has hidden the ground and table bodies (see `Ground`).
    """
    cfg = config or TopDown.CONFIG
    (x0, x1), (y0, y1), (z0, _) = cfg["bounds"]
    centre = ((x0 + x1) / 2, (y0 + y1) / 2, z0 + cfg["height"])
    view = view_matrix(centre, (1.0, 0.0, 0.0, 0.0))  # optical z down, y along world -y
    proj = orthographic_projection((x1 - x0) / 2, (y1 - y0) / 2, *cfg["zrange"])
    color, depth, segm, nothing = _capture(p, client, cfg["image_size"], view, proj, segmentation)
    if ground is not None:
        Ground.fill(ground.topdown(cfg), nothing, color, depth, segm)
    height = np.maximum(cfg["height"] - depth, 0.0).astype(np.float32)
    color, height = np.ascontiguousarray(color[::-1]), np.ascontiguousarray(height[::-1])
    if segm is not None:
        segm = np.ascontiguousarray(segm[::-1])
    return color, height, segm


def render_camera(
    p: Any, client: int, config: dict[str, Any], segmentation: bool = False, ground: Ground | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """RGB (rows, cols, 3) uint8, depth (rows, cols) float32 in metres along the optical axis,
    and optionally the segmentation, of one perspective camera config. Pixels that see nothing
    have depth `zrange[1]`. With `ground`, the caller has hidden the ground and table bodies."""
    view = view_matrix(config["position"], config["rotation"])
    color, depth, segm, nothing = _capture(
        p, client, config["image_size"], view, perspective_projection(config), segmentation
    )
    if ground is not None:
        Ground.fill(ground.camera(config), nothing, color, depth, segm)
    else:
        depth[nothing] = config["zrange"][1]
    return color, depth, segm


def get_pointcloud(depth: np.ndarray, intrinsics: Sequence[float]) -> np.ndarray:
    """Points (rows, cols, 3) in the optical frame of a depth image and pinhole intrinsics."""
    rows, cols = depth.shape
    fx, _, cx, _, fy, cy, *_ = intrinsics
    u, v = np.meshgrid(np.arange(cols), np.arange(rows))
    x = (u - cx) * depth / fx
    y = (v - cy) * depth / fy
    return np.stack([x, y, depth], axis=-1).astype(np.float32)


def transform_pointcloud(points: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """Apply a 4x4 rigid transform to points (..., 3)."""
    return (points @ transform[:3, :3].T + transform[:3, 3]).astype(np.float32)


def get_heightmap(
    points: np.ndarray, colors: np.ndarray, bounds: Any, pixel_size: float
) -> tuple[np.ndarray, np.ndarray]:
    """Top-down (height, colour) maps of world points: the highest point of each pixel wins.

    Points outside `bounds` are ignored; empty pixels have height 0 and colour 0.
    """
    b = np.asarray(bounds, float)
    rows = int(round((b[1, 1] - b[1, 0]) / pixel_size))
    cols = int(round((b[0, 1] - b[0, 0]) / pixel_size))
    pts, cols_in = points.reshape(-1, 3), colors.reshape(-1, colors.shape[-1])
    low = b[:, 0] - (0.0, 0.0, 0.005)  # the table top itself may come out a hair below z_min
    keep = np.all((pts >= low) & (pts < b[:, 1]), axis=1)
    pts, cols_in = pts[keep], cols_in[keep]
    order = np.argsort(pts[:, 2])  # ascending, so that higher points are written last
    pts, cols_in = pts[order], cols_in[order]
    px = np.clip(np.floor((pts[:, 0] - b[0, 0]) / pixel_size).astype(int), 0, cols - 1)
    py = np.clip(np.floor((pts[:, 1] - b[1, 0]) / pixel_size).astype(int), 0, rows - 1)
    height = np.zeros((rows, cols), np.float32)
    color = np.zeros((rows, cols, cols_in.shape[-1]), np.uint8)
    height[py, px] = np.maximum(pts[:, 2] - b[2, 0], 0.0)
    color[py, px] = cols_in
    return height, color


def camera_transform(config: dict[str, Any]) -> np.ndarray:
    """4x4 optical-frame-to-world transform of a camera config."""
    transform = np.eye(4)
    transform[:3, :3] = quaternion_to_matrix(config["rotation"])
    transform[:3, 3] = config["position"]
    return transform


def reconstruct_heightmaps(
    colors: Sequence[np.ndarray], depths: Sequence[np.ndarray], configs: Sequence[dict[str, Any]],
    bounds: Any, pixel_size: float,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per-view (heightmaps, colormaps) of RGB-D views, in the convention's order of results."""
    heightmaps, colormaps = [], []
    for color, depth, config in zip(colors, depths, configs, strict=True):
        points = transform_pointcloud(get_pointcloud(depth, config["intrinsics"]), camera_transform(config))
        height, cmap = get_heightmap(points, color, bounds, pixel_size)
        heightmaps.append(height)
        colormaps.append(cmap)
    return heightmaps, colormaps


def fuse_heightmaps(heightmaps: Sequence[np.ndarray], colormaps: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One (colour uint8, height float32) pair: the highest height of the views, the mean
    colour of the views that saw each pixel."""
    heights = np.stack(heightmaps)
    seen = np.stack([np.any(c > 0, axis=-1) for c in colormaps]).astype(np.float32)
    summed = np.sum(np.stack(colormaps).astype(np.float32) * seen[..., None], axis=0)
    color = summed / np.maximum(seen.sum(axis=0), 1.0)[..., None]
    return np.round(color).astype(np.uint8), heights.max(axis=0).astype(np.float32)


def fuse_views(
    views: Sequence[tuple[np.ndarray, np.ndarray]], configs: Sequence[dict[str, Any]], bounds: Any,
    pixel_size: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-down (colour, height) of RGB-D `views` [(rgb, depth), ...] taken with `configs`."""
    heightmaps, colormaps = reconstruct_heightmaps(
        [v[0] for v in views], [v[1] for v in views], configs, bounds, pixel_size
    )
    return fuse_heightmaps(heightmaps, colormaps)
