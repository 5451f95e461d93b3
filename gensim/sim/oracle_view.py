"""The reference's top-down segmentation: its oracle camera, reconstructed into a heightmap grid.

The reference samples free space for new objects from a segmentation built this way: a
near-orthographic camera 1000 m above the workspace (`cameras.Oracle`) renders 480x640 pixels
(about 1.59 mm on the table), each pixel is back-projected to a world point, and every
heightmap pixel (3.125 mm) takes the body id of the highest point that falls into it; ids are
kept modulo 256 (an 8-bit mask). A heightmap pixel is thus covered as soon as any of its 2x2
or so samples hits a body, which is not what a direct orthographic render (one ray through
the pixel centre) gives at object borders; free-space sampling depends on every border pixel,
so `get_random_pose` uses this map to draw the same pixel as the reference for the same seed.

The view and projection matrices are built the reference's way (pybullet's look-at and
field-of-view helpers, directions in float32), so that the renderer samples the same rays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MASK_MODULO = 256  # the reference stores the segmentation in 8 bits


def camera_matrices(p: Any, client: int, config: dict[str, Any]) -> tuple[Any, Any]:
    """(view, projection) matrices of a camera config, built as the reference builds them."""
    rot = np.float32(p.getMatrixFromQuaternion(config["rotation"], physicsClientId=client)).reshape(3, 3)
    forward = (rot @ np.array([[0.0], [0.0], [1.0]], dtype=np.float32)).reshape(-1)
    up = (rot @ np.array([[0.0], [-1.0], [0.0]], dtype=np.float32)).reshape(-1)
    target = np.asarray(config["position"], dtype=np.float64) + forward
    view = p.computeViewMatrix(config["position"], target, up, physicsClientId=client)
    rows, cols = config["image_size"]
    half_tan = (rows / 2) / config["intrinsics"][0]
    fov_deg = 180 * np.arctan(half_tan) * 2 / np.pi  # vertical field of view
    near, far = config["zrange"]
    projection = p.computeProjectionMatrixFOV(fov_deg, cols / rows, near, far, physicsClientId=client)
    return view, projection


def render_depth_and_ids(
    p: Any, client: int, config: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(depth along the optical axis float32, 8-bit body ids uint8, drawn) of one camera
    config; `drawn` marks the pixels where a body was rendered."""
    rows, cols = config["image_size"]
    view, projection = camera_matrices(p, client, config)
    _, _, _, zbuffer, segm = p.getCameraImage(
        width=cols, height=rows, viewMatrix=view, projectionMatrix=projection, shadow=0,
        flags=p.ER_SEGMENTATION_MASK_OBJECT_AND_LINKINDEX, renderer=p.ER_TINY_RENDERER,
        physicsClientId=client,
    )
    near, far = config["zrange"]
    zbuffer = np.asarray(zbuffer, dtype=np.float32).reshape(rows, cols)
    # float32 arithmetic, as the reference's (its z-buffer array is float32)
    depth = np.float32(2.0 * near * far) / (far + near - (2.0 * zbuffer - 1.0) * (far - near))
    raw = np.asarray(segm).reshape(rows, cols).astype(np.int64)
    return depth.astype(np.float32), (raw % MASK_MODULO).astype(np.uint8), raw >= 0


def world_points(
    p: Any, client: int, depth: np.ndarray, rows: np.ndarray, cols: np.ndarray, config: dict[str, Any]
) -> np.ndarray:
    """World points (n, 3) float32 of the depth pixels (`rows`, `cols`), back-projected with
    the intrinsics (optical frame in float32, then the camera pose, as the reference)."""
    fx, _, cx, _, fy, cy, *_ = (float(v) for v in config["intrinsics"])
    d = depth[rows, cols]
    u, v = cols.astype(np.float64), rows.astype(np.float64)
    optical = np.stack([(u - cx) * (d / fx), (v - cy) * (d / fy), d], axis=-1).astype(np.float32)
    rot = np.array(p.getMatrixFromQuaternion(config["rotation"], physicsClientId=client), dtype=np.float64)
    rot = rot.reshape(3, 3)
    pos = np.asarray(config["position"], dtype=np.float64)
    world = np.empty_like(optical)
    for axis in range(3):
        world[:, axis] = np.sum(rot[axis] * optical, axis=-1) + pos[axis]
    return world


def topdown_ids(
    p: Any, client: int, config: dict[str, Any], bounds: Any, pix_size: float
) -> np.ndarray:
    """The heightmap-grid segmentation (rows along y, columns along x) int32; 0 where no point
    fell, else the 8-bit id of the highest point in the pixel. Pixels where nothing was drawn
    (hidden scenery, sky) are left out: their points would lie below the table or far away."""
    depth, ids, drawn = render_depth_and_ids(p, client, config)
    rows, cols = np.nonzero(drawn)
    points = world_points(p, client, depth, rows, cols, config)
    labels = ids[rows, cols]
    b = np.asarray(bounds, dtype=np.float64).reshape(3, 2)
    width = int(np.round((b[0, 1] - b[0, 0]) / pix_size))
    height = int(np.round((b[1, 1] - b[1, 0]) / pix_size))
    inside = np.ones(len(points), dtype=bool)
    for axis in range(3):
        inside &= (points[:, axis] >= b[axis, 0]) & (points[:, axis] < b[axis, 1])
    pts, labels = points[inside], labels[inside]
    order = np.argsort(pts[:, -1])  # highest last: it overwrites the lower ones
    pts, labels = pts[order], labels[order]
    px = np.clip(np.int32(np.floor((pts[:, 0] - b[0, 0]) / pix_size)), 0, width - 1)
    py = np.clip(np.int32(np.floor((pts[:, 1] - b[1, 0]) / pix_size)), 0, height - 1)
    mask = np.zeros((height, width), dtype=np.uint8)
    mask[py, px] = labels
    return mask.astype(np.int32)
