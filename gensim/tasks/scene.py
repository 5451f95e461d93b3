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


def topdown_segmentation(env: Any, bounds: Any, pix_size: float) -> np.ndarray:
    """The top-down segmentation (rows along y, columns along x) of the current scene."""
    _, _, segm = env.render_topdown(segmentation=True)
    return np.asarray(segm)


def box_points(env: Any, obj: int) -> np.ndarray:
    """Points (3 x N) on a ~2 cm grid filling the object's box, centred, in its own frame."""
    dims = [max(float(d), 1e-4) for d in env.get_object_size(obj)]
    axes = []
    for d in dims:
        n = max(1, int(np.ceil(d / POINT_SPACING - 1e-9)))
        axes.append(((np.arange(n) + 0.5) / n - 0.5) * d)
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
    return np.float32(vertices).T


def make_piles(task: Task, env: Any, block_color: Any = None) -> list[int]:
    """`task.num_blocks` 1 cm blocks scattered over a free 20 cm square; returns their ids."""
    centre, _ = task.get_random_pose(env, (PILE_SIZE, PILE_SIZE, 0.0))
    ids = []
    for _ in range(int(task.num_blocks)):
        dx, dy = task.rng.uniform(-PILE_SIZE / 2 + 0.01, PILE_SIZE / 2 - 0.01, size=2)
        xyz = (float(centre[0] + dx), float(centre[1] + dy), 0.01)
        quat = utils.eulerXYZ_to_quatXYZW((0.0, 0.0, float(task.rng.random() * 2 * np.pi)))
        ids.append(env.add_object("block/small.urdf", (xyz, quat), "rigid", color=block_color))
    return ids


def make_rope(
    task: Task, env: Any, corners: Any, radius: float, n_parts: int, color_name: str
) -> tuple[list[int], list[Pose], np.ndarray]:
    """A chain of `n_parts` beads joined by point-to-point constraints, laid straight at a
    random free place and yaw; its targets are evenly spaced along `corners[0]`->`corners[1]`."""
    import pybullet

    client = env.client
    c0 = np.float64(corners[0][0] if _is_pose(corners[0]) else corners[0])
    c1 = np.float64(corners[1][0] if _is_pose(corners[1]) else corners[1])
    increment = (c1 - c0) / n_parts
    spacing = max(float(np.linalg.norm(increment[:2])), 2 * radius)
    length = spacing * n_parts
    (cx, cy, _), _ = task.get_random_pose(env, (length, 2 * radius, 0.0))
    yaw = float(task.rng.random() * 2 * np.pi)
    direction = np.array([np.cos(yaw), np.sin(yaw), 0.0])
    start = np.array([cx, cy, radius]) - direction * (length - spacing) / 2

    shape = pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=[radius] * 3, physicsClientId=client)
    visual = pybullet.createVisualShape(pybullet.GEOM_SPHERE, radius=radius * 1.5, physicsClientId=client)
    rgba = list(utils.COLORS[color_name])[:3] + [1.0]
    objects: list[int] = []
    targets: list[Pose] = []
    parent = -1
    for i in range(n_parts):
        pos = start + direction * spacing * i
        part = pybullet.createMultiBody(
            0.1, shape, visual, basePosition=pos.tolist(), physicsClientId=client
        )
        if parent > -1:
            link = pybullet.createConstraint(
                parentBodyUniqueId=parent, parentLinkIndex=-1, childBodyUniqueId=part,
                childLinkIndex=-1, jointType=pybullet.JOINT_POINT2POINT, jointAxis=(0, 0, 0),
                parentFramePosition=(direction * spacing / 2).tolist(),
                childFramePosition=(-direction * spacing / 2).tolist(), physicsClientId=client,
            )
            pybullet.changeConstraint(link, maxForce=100, physicsClientId=client)
        color = rgba if 0 < i < n_parts - 1 else [0.1, 0.1, 0.1, 1.0]  # dark ends show the direction
        pybullet.changeVisualShape(part, -1, rgbaColor=color, physicsClientId=client)
        env.obj_ids["rigid"].append(part)
        objects.append(part)
        target = c0 + increment * (i + 0.5)
        targets.append(((float(target[0]), float(target[1]), float(target[2])), (0.0, 0.0, 0.0, 1.0)))
        parent = part
    matches = np.clip(np.eye(n_parts) + np.eye(n_parts)[::-1], 0, 1)
    return objects, targets, matches


def _is_pose(value: Any) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 2 and np.ndim(value[0]) == 1
