"""Scene helpers behind `Task`: top-down segmentation, object points, piles and ropes.

These talk to the environment through its public API (`render_topdown`, `add_object`,
`get_object_size`, `client`); the rope also creates constraints with pybullet directly, always
passing the environment's client id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gensim.tasks import utils
from gensim.tasks.goals import Pose

if TYPE_CHECKING:
    from gensim.tasks.task import Task

POINT_SPACING = 0.02  # m between sample points of `box_points`
PILE_SIZE = 0.2  # m, side of the square region a pile is scattered over
PILE_OFFSET = (0.15, 0.4)  # m: its lower corner from the workspace's (x_min, y_min)
ROPE_FORCE = 100.0  # N: force cap of the links between beads (the reference's)


def topdown_segmentation(env: Any, bounds: Any, pix_size: float) -> np.ndarray:
    """The top-down segmentation (rows along y, columns along x) of the current scene."""
    _, _, segm = env.render_topdown(segmentation=True)
    return np.asarray(segm)


def local_extents(env: Any, obj: int) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) corners of the object's base visual shapes in its own frame.

    Boxes, spheres, cylinders and capsules are exact; meshes use their vertices. When pybullet
    cannot tell, the world-frame bounding box centred on the origin stands in. (Visual shapes,
    because bodies loaded with maximal coordinates have no collision shape data.)
    """
    import pybullet

    client = env.client
    corners = []
    try:
        shapes = [s for s in pybullet.getVisualShapeData(obj, physicsClientId=client) if s[1] == -1]
    except (pybullet.error, TypeError):  # no such body, or no simulator behind `env`
        shapes = []
    for shape in shapes:
        geom, dims, pos, orn = shape[2], shape[3], shape[5], shape[6]
        if geom == pybullet.GEOM_BOX:
            half = np.asarray(dims[:3], dtype=np.float64) / 2
        elif geom == pybullet.GEOM_SPHERE:
            half = np.full(3, float(dims[0]))
        elif geom in (pybullet.GEOM_CYLINDER, pybullet.GEOM_CAPSULE):
            half = np.array([dims[1], dims[1], dims[0] / 2 + (dims[1] if geom == pybullet.GEOM_CAPSULE else 0)])
        else:
            return _mesh_or_aabb_extents(env, obj)
        box = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * half
        corners.append(box @ utils.quat_to_matrix(orn).T + np.asarray(pos, dtype=np.float64))
    if not corners:
        return _mesh_or_aabb_extents(env, obj)
    every = np.concatenate(corners)
    return every.min(axis=0), every.max(axis=0)


def _mesh_or_aabb_extents(env: Any, obj: int) -> tuple[np.ndarray, np.ndarray]:
    import pybullet

    try:
        _, vertices = pybullet.getMeshData(obj, -1, physicsClientId=env.client)
    except (pybullet.error, TypeError):
        vertices = ()
    if vertices:
        verts = np.asarray(vertices, dtype=np.float64)
        return verts.min(axis=0), verts.max(axis=0)
    half = np.asarray(env.get_object_size(obj), dtype=np.float64) / 2
    return -half, half


def box_points(env: Any, obj: int) -> np.ndarray:
    """Points (3 x N) on a ~2 cm grid filling the object's box, in its own frame."""
    low, high = local_extents(env, obj)
    axes = []
    for lo, hi in zip(low, high, strict=True):
        d = max(float(hi - lo), 1e-4)
        n = max(1, int(np.ceil(d / POINT_SPACING - 1e-9)))
        axes.append((lo + hi) / 2 + ((np.arange(n) + 0.5) / n - 0.5) * d)
    xv, yv, zv = np.meshgrid(*axes, indexing="xy")
    return np.vstack([xv.reshape(1, -1), yv.reshape(1, -1), zv.reshape(1, -1)]).astype(np.float32)


def mesh_points(env: Any, obj: int) -> np.ndarray:
    """The object's collision-mesh vertices (3 x N) in its own frame; box points as fallback."""
    import pybullet

    try:
        _, vertices = pybullet.getMeshData(obj, physicsClientId=env.client)
    except Exception:  # noqa: BLE001 - pybullet raises a bare error for primitive shapes
        vertices = ()
    if not vertices:
        return box_points(env, obj)
    return np.asarray(vertices, dtype=np.float32).T


def make_piles(task: Task, env: Any, block_color: Any = None) -> list[int]:
    """`task.num_blocks` 1 cm blocks scattered over the reference's fixed 20 cm square (x from
    `bounds` x_min + 0.15, y from y_min + 0.4: around (0.5, 0) on the standard table), three
    draws per block (x, y, yaw) from the episode's state, as the reference; returns their ids.
    The square is not checked against other objects (the reference does not either)."""
    b = np.asarray(task.bounds, dtype=np.float64).reshape(3, 2)
    ids = []
    for _ in range(int(task.num_blocks)):
        x = b[0, 0] + PILE_OFFSET[0] + np.random.rand() * PILE_SIZE
        y = b[1, 0] + PILE_OFFSET[1] + np.random.rand() * PILE_SIZE
        quat = utils.eulerXYZ_to_quatXYZW((0.0, 0.0, float(np.random.rand() * 2 * np.pi)))
        ids.append(env.add_object("block/small.urdf", ((float(x), float(y), 0.01), quat), "rigid", color=block_color))
    return ids


def make_rope(
    task: Task, env: Any, corners: Any, radius: float, n_parts: int, color_name: str
) -> tuple[list[int], list[Pose], np.ndarray]:
    """A chain of `n_parts` beads joined by point-to-point links, set up as the reference does:
    a vertical column of beads (one bead every `|corner1 - corner0| / n_parts`, from that
    spacing above one `get_random_pose` for a 10 cm object, the reference's only draws) that
    collapses into a heap while the scene settles. Each bead is a box of half-size `radius`
    (a sphere of 1.5 `radius` to the eye) of 0.1 kg; each link holds the next bead one spacing
    above the previous one in that bead's frame, force capped at 100 N. The beads between the
    two ends take `color_name`; the ends keep the default (white) look. Targets are evenly
    spaced along `corners[0]` -> `corners[1]`; a bead may go to its own target or its mirror."""
    import pybullet

    client = env.client
    c0 = np.asarray(corners[0][0] if _is_pose(corners[0]) else corners[0], dtype=np.float32)
    c1 = np.asarray(corners[1][0] if _is_pose(corners[1]) else corners[1], dtype=np.float32)
    increment = (c1 - c0) / n_parts
    spacing = float(np.linalg.norm(increment))
    position = np.asarray(task.get_random_pose(env, (0.1, 0.1, 0.1))[0], dtype=np.float32)

    shape = pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=[radius] * 3, physicsClientId=client)
    visual = pybullet.createVisualShape(pybullet.GEOM_SPHERE, radius=radius * 1.5, physicsClientId=client)
    rgba = [*list(utils.COLORS[color_name])[:3], 1.0]
    objects: list[int] = []
    targets: list[Pose] = []
    parent = -1
    for i in range(n_parts):
        position[2] += spacing
        part = pybullet.createMultiBody(
            0.1, shape, visual, basePosition=[float(v) for v in position], physicsClientId=client
        )
        if parent > -1:
            link = pybullet.createConstraint(
                parentBodyUniqueId=parent, parentLinkIndex=-1, childBodyUniqueId=part,
                childLinkIndex=-1, jointType=pybullet.JOINT_POINT2POINT, jointAxis=(0, 0, 0),
                parentFramePosition=(0.0, 0.0, spacing), childFramePosition=(0.0, 0.0, 0.0),
                physicsClientId=client,
            )
            pybullet.changeConstraint(link, maxForce=ROPE_FORCE, physicsClientId=client)
        if 0 < i < n_parts - 1:
            pybullet.changeVisualShape(part, -1, rgbaColor=rgba, physicsClientId=client)
        env.obj_ids["rigid"].append(part)
        objects.append(part)
        target = c0 + i * increment + increment / 2
        targets.append(((float(target[0]), float(target[1]), float(target[2])), (0.0, 0.0, 0.0, 1.0)))
        parent = part
    matches = np.clip(np.eye(n_parts) + np.eye(n_parts)[::-1], 0, 1)
    return objects, targets, matches


def _is_pose(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 2 and np.ndim(value[0]) == 1
