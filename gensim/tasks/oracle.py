"""The scripted expert returned by `Task.oracle(env)`.

For the first goal it looks at the scene from above (exact top-down segmentation and heights),
drops objects already on a target (and, when `replace` is False, the targets they took), picks
the object farthest from its nearest allowed target, grasps it at the most interior point of its
visible top surface and places it so that the object lands on that target, carrying the grasp
offset (yaw only unless `sixdof`; with `rotations` the object turns to the target's yaw,
exactly, not the nearest one modulo its symmetry, as the reference's expert turns it (also
for a symmetry of 0, whose yaw the reward does not check: side-by-side blocks then stay
parallel); without,
it keeps its current yaw). "zone" targets are
reached at the free-most point inside the zone. With a push primitive (piles) it sweeps the
outlying piece farthest from the zone towards the zone centre. No randomness: the same scene
gives the same action.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gensim.tasks import placement, rewards, utils
from gensim.tasks.goals import IDENTITY_QUAT, Goal, Pose, Zone

TOP_FACE_TOL = 0.006  # m: mask pixels this close to the highest one count as the top face
GRID_STEP = 0.01  # m between candidate place points inside a zone or tolerance disc
PUSH_BEHIND = 0.03  # m behind the piece where a push starts
PUSH_PAST = 0.02  # m past the zone centre where a push ends
CLEAR_ABOVE = 0.01  # m: a goal object this far above a target's bottom is in the way
CLEAR_GROW = 1  # pixels (3.125 mm each) the landing footprint is grown by: a rim resting on one tilts it
CLEAR_MIN_PIXELS = 2  # pixels of the grown footprint a goal object must cover to be moved first
CLEAR_TARGET_MARGIN = 0.01  # m kept between a moved-away object and every target's footprint
UNDER_TARGET_TOL = 0.005  # m: beyond half its height under its target a later goal's object is in the way
SUPPORT_TOL = 0.005  # m: footprint pixels this close to the highest one are what an object lands on
SUPPORT_SHIFT = 0.6  # of pos_eps: how far a landing may move towards the middle of its support
SUPPORT_MIN_OFF = 0.002  # m: a landing closer than this to the middle of its support stays
SUPPORT_MIN_SHARE = 0.25  # of the footprint: tops under less than this, and ...
SUPPORT_EDGE_DEPTH = 2  # ... none deeper inside it than this many pixels: a neighbour's edge, not a support

Action = dict[str, Pose]


class Oracle:
    """The expert agent of a task in an environment: `act(obs, info)` -> action or None."""

    def __init__(self, task: Any, env: Any) -> None:
        self.task = task
        self.env = env

    def act(self, obs: Any = None, info: Any = None) -> Action | None:
        """The next action for the first goal, or None when nothing can be done."""
        if not self.task.goals:
            return None
        goal: Goal = self.task.goals[0]
        from gensim.sim import primitives

        if self.task.primitive is primitives.push:
            return self._push(goal)
        return self._pick_place(goal)

    # ------------------------------------------------------------------ pick and place

    def _pick_place(self, goal: Goal) -> Action | None:
        task = self.task
        _, height, segm = self.env.render_topdown(segmentation=True)
        poses = {obj: self.env.get_object_pose(obj) for obj in goal.objs}
        z_max = float(task.zone_bounds[2][1])
        matches = goal.matches.copy()
        if goal.metric == "zone":
            done = np.array([rewards.zone_fraction(goal, obj, poses[obj], z_max) > 0.999 for obj in goal.objs],
                            dtype=bool)
        else:
            hits = rewards.match_table(goal, poses.__getitem__, task.pos_eps, task.rot_eps)
            done = np.asarray(hits.any(axis=1), dtype=bool)
            if not goal.replace:  # each target takes one object: placed ones keep theirs
                taken = rewards.max_assignment(hits)
                done = np.array([j >= 0 for j in taken], dtype=bool)
                for j in taken:
                    if j >= 0:
                        matches[:, j] = False
                matches[done, :] = False

        candidates = []
        for i, obj in enumerate(goal.objs):
            targets = np.flatnonzero(matches[i])
            if done[i] or targets.size == 0:
                continue
            xyz = np.asarray(poses[obj][0], dtype=np.float64)
            dists = [np.linalg.norm(np.asarray(goal.targ_poses[j][0], dtype=np.float64) - xyz) for j in targets]
            nearest = int(np.argmin(dists))
            candidates.append((float(dists[nearest]), i, int(targets[nearest])))
        candidates.sort(key=lambda c: -c[0])

        for _, k, slot in candidates:
            pick = self._pick_pose(segm, height, goal.objs[k])
            if pick is None:
                continue  # not visible from above (under another object): try the next one
            target = self._target(goal, k, slot, poses)
            if goal.metric == "pose":
                landing = self._landing_pose(poses[goal.objs[k]], target, goal, k)
                clear = self._clear_the_way(goal, done, goal.objs[k], landing, segm, height)
                if clear is not None:
                    return clear
                target = self._onto_support(goal.objs[k], landing, target, segm, height)
            return {"pose0": pick, "pose1": self._place_pose(pick, poses[goal.objs[k]], target, goal, k)}
        return None

    # ------------------------------------------------------------------ clearing a target

    def _clear_the_way(self, goal: Goal, done: np.ndarray, obj: int, landing: Pose, segm: np.ndarray,
                       height: np.ndarray) -> Action | None:
        """An action moving a goal object that lies where `obj` is to land out of the way, or
        None. Task code often scatters every object before it marks the targets, so a later
        step's object can start on an earlier step's target (a wall block on the foundation):
        put there anyway, the object would land on it, tilted or merely on top, and the one
        under it could not be picked any more. Only goal objects not yet on a target of their
        own count (bowls, fixtures and objects already placed are what targets rest on or in;
        an object of a later zone goal counts while it lies outside its zone), never one
        within `pos_eps` of the landing (the receptacle the target was taken from), and only
        where they rise `CLEAR_ABOVE` over the bottom of the landing object. A fixture spawned
        overlapping another one is pushed off its spawn pose by the settling; a block sent to
        that pose (the target) then landed on its walls, again and again."""
        footprint = self._footprint_at(obj, landing, segm)
        if footprint is None:
            return None
        rows, cols = footprint
        bottom = float(landing[0][2]) - self.env.get_object_size(obj)[2] / 2
        above = height[rows, cols] > bottom + CLEAR_ABOVE
        unsettled = self._unsettled_goal_objects(goal, done, landing) - {obj}
        ids, counts = np.unique(segm[rows, cols][above], return_counts=True)
        blockers = [(int(c), int(i)) for i, c in zip(ids, counts, strict=True)
                    if int(i) in unsettled and c >= CLEAR_MIN_PIXELS]
        for _, blocker in sorted(blockers, reverse=True):
            pick = self._pick_pose(segm, height, blocker)
            if pick is None:
                continue
            spot = self._free_spot(blocker, segm)
            if spot is None:
                continue
            pose = self.env.get_object_pose(blocker)
            pose = (pose[0], _yaw_quat(rewards.yaw_of(pose[1])))
            moved = ((spot[0], spot[1], float(pose[0][2])), pose[1])
            pick_to_obj = utils.invert(utils.multiply(utils.invert(pick), pose))
            return {"pose0": pick, "pose1": utils.multiply(moved, pick_to_obj)}
        return None

    def _onto_support(self, obj: int, landing: Pose, target: Pose, segm: np.ndarray, height: np.ndarray) -> Pose:
        """`target` moved (within `SUPPORT_SHIFT` of the position tolerance) towards the middle
        of what the object would rest on there, when that is other objects' tops: a target on
        the edge of a stack (a chimney half over the roof's end) is reached as well a few
        millimetres inwards, where the object does not tip off. Tops that lie only along one
        edge of the footprint (`_edge_sliver`) are a neighbour's edge that the rounding to
        pixels put under it (a block placed against another one): moving towards that
        neighbour would land the object on its edge. A bowl's rim still counts, all round or on one
        side only (`_inside`: the landing's centre lies on the bowl)."""
        footprint = self._footprint_at(obj, landing, segm, grow=0)
        if footprint is None:
            return target
        rows, cols = footprint
        mask = np.zeros(segm.shape, dtype=bool)
        mask[rows, cols] = True
        keep = segm[rows, cols] != obj
        rows, cols = rows[keep], cols[keep]
        if rows.size == 0:
            return target
        tops = height[rows, cols]
        if float(tops.max()) < SUPPORT_TOL:  # on the table: supported everywhere
            return target
        under = tops >= tops.max() - SUPPORT_TOL
        b = np.asarray(self.task.bounds, dtype=np.float64).reshape(3, 2)
        if _edge_sliver(mask, rows, cols, under) and not self._inside(segm, rows[under], cols[under], landing, b):
            return target  # a neighbour the object is placed against, not its support
        middle = np.array([b[0, 0] + cols[under].mean() * self.task.pix_size,
                           b[1, 0] + rows[under].mean() * self.task.pix_size])
        here = np.asarray(landing[0][:2], dtype=np.float64)
        off = middle - here
        dist = float(np.linalg.norm(off))
        if dist < SUPPORT_MIN_OFF:
            return target
        shift = off * min(1.0, SUPPORT_SHIFT * self.task.pos_eps / dist)
        xyz = (float(target[0][0] + shift[0]), float(target[0][1] + shift[1]), float(target[0][2]))
        return (xyz, target[1])

    def _inside(self, segm: np.ndarray, rows: np.ndarray, cols: np.ndarray, landing: Pose,
                b: np.ndarray) -> bool:
        """Whether the landing's centre lies on one of the objects whose tops are at `rows`,
        `cols`: a container (a bowl) that the object goes into, whose rim the landing touches
        on one side only, not a neighbour beside it."""
        col = int(np.floor((float(landing[0][0]) - b[0, 0]) / self.task.pix_size))
        row = int(np.floor((float(landing[0][1]) - b[1, 0]) / self.task.pix_size))
        if not (0 <= row < segm.shape[0] and 0 <= col < segm.shape[1]):
            return False
        return bool(np.isin(segm[row, col], segm[rows, cols]))

    def _footprint_at(self, obj: int, landing: Pose, segm: np.ndarray,
                      grow: int = CLEAR_GROW) -> tuple[np.ndarray, np.ndarray] | None:
        """Heightmap (rows, cols) that `obj` covers from above once at `landing`: its pixels as
        seen now, carried from its current pose to `landing`, grown by `grow` pixels."""
        task = self.task
        rows, cols = np.nonzero(segm == obj)
        if rows.size == 0:
            return None
        b = np.asarray(task.bounds, dtype=np.float64).reshape(3, 2)
        pts = np.stack([b[0, 0] + cols * task.pix_size, b[1, 0] + rows * task.pix_size, np.zeros(rows.size)])
        pose = self.env.get_object_pose(obj)
        now = (pose[0], _yaw_quat(rewards.yaw_of(pose[1])))
        moved = np.asarray(utils.apply(utils.multiply(landing, utils.invert(now)), pts), dtype=np.float64)
        r = np.round((moved[1] - b[1, 0]) / task.pix_size).astype(np.int64)
        c = np.round((moved[0] - b[0, 0]) / task.pix_size).astype(np.int64)
        inside = (r >= 0) & (r < segm.shape[0]) & (c >= 0) & (c < segm.shape[1])
        if not inside.any():
            return None
        mask = np.zeros(segm.shape, dtype=bool)
        mask[r[inside], c[inside]] = True
        for _ in range(grow):
            grown = mask.copy()
            grown[1:] |= mask[:-1]
            grown[:-1] |= mask[1:]
            grown[:, 1:] |= mask[:, :-1]
            grown[:, :-1] |= mask[:, 1:]
            mask = grown
        rows, cols = np.nonzero(mask)
        return rows, cols

    def _unsettled_goal_objects(self, goal: Goal, done: np.ndarray, landing: Pose) -> set[int]:
        """Objects of the remaining goals not on a target of their own goal; for a zone goal,
        those outside its zone, except one within `pos_eps` of `landing` (the receptacle, a
        bowl or a fixture, whose pose the target was taken from)."""
        task = self.task
        out = {int(o) for i, o in enumerate(goal.objs) if not done[i]}
        z_max = float(task.zone_bounds[2][1])
        for later in task.goals[1:]:
            if later.metric == "zone":  # anywhere inside the zone is settled; outside it is not
                for o in later.objs:
                    pose = self.env.get_object_pose(o)
                    near = np.linalg.norm(np.subtract(pose[0][:2], landing[0][:2])) <= task.pos_eps
                    if not near and rewards.zone_fraction(later, o, pose, z_max) < 0.999:
                        out.add(int(o))
                continue
            if later.metric != "pose":
                continue
            hits = rewards.match_table(later, lambda o: self.env.get_object_pose(o), task.pos_eps, task.rot_eps)
            for i, o in enumerate(later.objs):
                if not hits[i].any() or self._under_its_targets(later, i, hits[i]):
                    out.add(int(o))
        return out

    def _under_its_targets(self, goal: Goal, i: int, hits: np.ndarray) -> bool:
        """Whether object `i` of `goal`, over targets it matches in xy (the reward's test), lies
        lower than every one of them by more than half its height: the top of a pyramid left at
        table level in the pyramid's middle by an earlier goal (sort the blocks into the zone,
        then build), which the reward would count but the bottom row must first be built
        where it lies."""
        obj = goal.objs[i]
        z = float(self.env.get_object_pose(obj)[0][2])
        half = float(self.env.get_object_size(obj)[2]) / 2
        return all(float(goal.targ_poses[j][0][2]) - z > half + UNDER_TARGET_TOL for j in np.flatnonzero(hits))

    def _free_spot(self, obj: int, segm: np.ndarray) -> tuple[float, float] | None:
        """The nearest table point to `obj` where it fits clear of every other object and of
        every remaining target (with `CLEAR_TARGET_MARGIN`), or None."""
        task = self.task
        ids = [i for ids in self.env.obj_ids.values() for i in ids if i != obj]
        free = placement.free_space_map(segm, ids)
        b = np.asarray(task.bounds, dtype=np.float64).reshape(3, 2)
        ys = b[1, 0] + np.arange(segm.shape[0])[:, None] * task.pix_size
        xs = b[0, 0] + np.arange(segm.shape[1])[None, :] * task.pix_size
        for g in task.goals:
            reach = max((float(np.hypot(*self.env.get_object_size(o)[:2])) / 2 for o in g.objs), default=0.0)
            for target in g.targ_poses:
                tx, ty = float(target[0][0]), float(target[0][1])
                free &= (xs - tx) ** 2 + (ys - ty) ** 2 > (reach + CLEAR_TARGET_MARGIN) ** 2
        size = self.env.get_object_size(obj)
        room = placement.erode(free, max(1, int(np.ceil(float(np.hypot(size[0], size[1])) / task.pix_size))))
        if not room.any():
            return None
        x, y = self.env.get_object_pose(obj)[0][:2]
        rows, cols = np.nonzero(room)
        best = int(np.argmin((xs[0, cols] - x) ** 2 + (ys[rows, 0] - y) ** 2))
        return float(xs[0, cols[best]]), float(ys[rows[best], 0])

    def _pick_pose(self, segm: np.ndarray, height: np.ndarray, obj: int) -> Pose | None:
        """The most interior point of the object's visible top face, suction pointing down."""
        mask = segm == obj
        if not mask.any():
            return None
        top = mask & (height >= height[mask].max() - TOP_FACE_TOL)
        u, v = _most_interior(top)
        xyz = utils.pix_to_xyz((u, v), height, self.task.bounds, self.task.pix_size)
        return (xyz, IDENTITY_QUAT)

    def _target(self, goal: Goal, i: int, j: int, poses: dict[int, Pose]) -> Pose:
        """Where object i should land: target j, nudged to free room when several share it."""
        task = self.task
        target = goal.targ_poses[j]
        others = [np.asarray(poses[o][0][:2], dtype=np.float64) for k, o in enumerate(goal.objs) if k != i]
        if goal.metric == "zone" and goal.matches[:, j].sum() > 1:  # a shared zone: find room
            zone = _zone_for(goal, j)
            size = self.env.get_object_size(goal.objs[i])
            margin = float(np.hypot(size[0], size[1])) / 2
            xy = _free_point_in_box(zone, margin, others)
            return ((xy[0], xy[1], target[0][2]), target[1])
        if goal.replace and goal.matches[:, j].sum() > 1:
            xy = _free_point_in_disc(np.asarray(target[0][:2], dtype=np.float64), 0.6 * task.pos_eps, others)
            return ((xy[0], xy[1], target[0][2]), target[1])
        return target

    def _landing_pose(self, obj_pose: Pose, target: Pose, goal: Goal, i: int) -> Pose:
        """The pose object i is to land in on `target`: the target's position, and its yaw
        with `rotations` (the target's own yaw, not the nearest one modulo the symmetry: the
        reference's expert turns objects to it exactly, and a symmetry that task code declares
        wrongly, pi/2 for an L block, then still gives the shape the task drew), the object's
        own yaw without."""
        obj_yaw = rewards.yaw_of(obj_pose[1])
        if not goal.rotations:
            # No rotation allowed: land with the current yaw (the reward still checks the yaw
            # of an object with a symmetry, as the reference's does).
            return (target[0], _yaw_quat(obj_yaw))
        if not self.task.sixdof:
            return (target[0], _yaw_quat(rewards.yaw_of(target[1])))
        return target

    def _place_pose(self, pick: Pose, obj_pose: Pose, target: Pose, goal: Goal, i: int) -> Pose:
        """End-effector pose that puts the object on `target`, keeping the grasp offset."""
        if not self.task.sixdof:
            obj_pose = (obj_pose[0], _yaw_quat(rewards.yaw_of(obj_pose[1])))
        target = self._landing_pose(obj_pose, target, goal, i)
        pick_to_obj = utils.invert(utils.multiply(utils.invert(pick), obj_pose))
        place = utils.multiply(target, pick_to_obj)
        if not goal.rotations:
            place = (place[0], IDENTITY_QUAT)
        return place

    # ------------------------------------------------------------------ push (piles)

    def _push(self, goal: Goal) -> Action | None:
        """Sweep the piece farthest outside the zone through it, towards the zone centre."""
        if not goal.zones:
            return None
        z_max = float(self.task.zone_bounds[2][1])
        zone = goal.zones[0]
        centre = np.asarray(zone.pose[0][:2], dtype=np.float64)
        outside = []
        for obj in goal.objs:
            pose = self.env.get_object_pose(obj)
            if not rewards.object_in_zone(pose, goal.zones, z_max):
                outside.append(np.asarray(pose[0][:2], dtype=np.float64))
        if not outside:
            return None
        far = max(outside, key=lambda xy: float(np.linalg.norm(xy - centre)))
        direction = centre - far
        dist = float(np.linalg.norm(direction))
        if dist < 1e-6:
            return None
        direction /= dist
        start = far - direction * PUSH_BEHIND
        end = centre + direction * PUSH_PAST
        quat = _yaw_quat(float(np.arctan2(direction[1], direction[0])))
        return {"pose0": ((float(start[0]), float(start[1]), 0.0), quat),
                "pose1": ((float(end[0]), float(end[1]), 0.0), quat)}


def _most_interior(mask: np.ndarray) -> tuple[int, int]:
    """The pixel of a non-empty mask farthest (in Euclidean distance) from its outside; among
    equals, the one closest to their centroid. Suction grasps there, clear of edges and holes."""
    depth = np.zeros(mask.shape, dtype=np.int32)
    alive = mask.copy()
    level = 0
    while alive.any():
        level += 1
        depth[alive] = level
        inner = alive.copy()
        inner[1:] &= alive[:-1]
        inner[:-1] &= alive[1:]
        inner[:, 1:] &= alive[:, :-1]
        inner[:, :-1] &= alive[:, 1:]
        inner[0], inner[-1], inner[:, 0], inner[:, -1] = False, False, False, False
        alive = inner
    # Among the deepest pixels in 4-neighbour steps (and one level less, which the Euclidean
    # distance may prefer), the one farthest in Euclidean distance from the mask's outside:
    # on a ring (a Hanoi disk) this is the middle of the rim, clear of the hole.
    rows, cols = np.nonzero(depth >= max(1, level - 1))
    # The nearest outside pixel of any mask pixel lies within the mask's bounding box grown by
    # one pixel (the grown box's edge is outside), so only that window is searched.
    mr, mc = np.nonzero(mask)
    r0, r1 = max(0, mr.min() - 1), min(mask.shape[0], mr.max() + 2)
    c0, c1 = max(0, mc.min() - 1), min(mask.shape[1], mc.max() + 2)
    window = np.ones((r1 - r0 + 2, c1 - c0 + 2), dtype=bool)  # padded: outside the image counts
    window[1:-1, 1:-1] = ~mask[r0:r1, c0:c1]
    orow, ocol = np.nonzero(window)
    orow, ocol = orow + r0 - 1, ocol + c0 - 1
    d2 = (rows[:, None] - orow[None, :]) ** 2 + (cols[:, None] - ocol[None, :]) ** 2
    clearance = d2.min(axis=1)
    tied = clearance == clearance.max()
    rows, cols = rows[tied], cols[tied]
    centre = np.array([rows.mean(), cols.mean()])  # among equals, the most central (a real pixel)
    best = int(np.argmin((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2))
    return int(rows[best]), int(cols[best])


def _edge_sliver(footprint: np.ndarray, rows: np.ndarray, cols: np.ndarray, under: np.ndarray) -> bool:
    """Whether the pixels `under` (the highest tops, at `rows`, `cols`) are a thin strip along
    the edge of the landing `footprint` (a mask): under less than `SUPPORT_MIN_SHARE` of it and
    none deeper inside it than `SUPPORT_EDGE_DEPTH` pixels. A neighbour touched at the edge is
    that; a stack, a chimney's roof or a ball's top reaches further in."""
    if under.sum() >= SUPPORT_MIN_SHARE * footprint.sum():
        return False
    # the footprint's pixels were carried to the landing one by one: close the holes that the
    # rounding of a turned outline leaves before measuring depth inside it
    closed = placement.erode(~placement.erode(~footprint, 3), 3)
    inner = placement.erode(closed, 2 * SUPPORT_EDGE_DEPTH + 1)
    return not bool(inner[rows[under], cols[under]].any())


def _yaw_quat(yaw: float) -> tuple[float, float, float, float]:
    return utils.eulerXYZ_to_quatXYZW((0.0, 0.0, yaw))


def _zone_for(goal: Goal, j: int) -> Zone:
    if len(goal.zones) == len(goal.targ_poses):
        return goal.zones[j]
    target = np.asarray(goal.targ_poses[j][0][:2], dtype=np.float64)
    return min(goal.zones, key=lambda z: float(np.linalg.norm(np.asarray(z.pose[0][:2], dtype=np.float64) - target)))


def _best_point(points: np.ndarray, centre: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    """The candidate farthest from the other objects (ties: closest to the centre)."""
    if not others or len(points) == 1:
        clearance = np.zeros(len(points))
    else:
        diffs = points[:, None, :] - np.stack(others)[None, :, :]
        clearance = np.round(np.linalg.norm(diffs, axis=-1).min(axis=1), 3)
    to_centre = np.linalg.norm(points - centre, axis=1)
    order = np.lexsort((to_centre, -clearance))
    return points[order[0]]


def _free_point_in_box(zone: Zone, margin: float, others: list[np.ndarray]) -> np.ndarray:
    """A point inside the zone (kept `margin` from its edges) with the most room around it."""
    half_x = max(zone.size[0] / 2 - margin, 0.0)
    half_y = max((zone.size[1] if len(zone.size) > 1 else zone.size[0]) / 2 - margin, 0.0)
    xs = np.arange(-half_x, half_x + 1e-9, GRID_STEP) if half_x > 0 else np.zeros(1)
    ys = np.arange(-half_y, half_y + 1e-9, GRID_STEP) if half_y > 0 else np.zeros(1)
    xs, ys = xs - (xs[-1] + xs[0]) / 2, ys - (ys[-1] + ys[0]) / 2  # centre the grid
    local = np.array([(x, y, 0.0) for x in xs for y in ys]).T
    world = np.asarray(utils.apply(zone.pose, local), dtype=np.float64).reshape(3, -1)[:2].T
    near = [o for o in others if _in_zone_xy(o, zone)]
    return _best_point(world, np.asarray(zone.pose[0][:2], dtype=np.float64), near)


def _free_point_in_disc(centre: np.ndarray, radius: float, others: list[np.ndarray]) -> np.ndarray:
    """A point within `radius` of `centre` with the most room from nearby objects."""
    steps = np.arange(-radius, radius + 1e-9, max(radius / 3, 1e-3))
    pts = np.array([(centre[0] + dx, centre[1] + dy) for dx in steps for dy in steps
                    if dx * dx + dy * dy <= radius * radius + 1e-12])
    near = [o for o in others if np.linalg.norm(o - centre) < 3 * max(radius, 0.01)]
    return _best_point(pts, centre, near)


def _in_zone_xy(xy: np.ndarray, zone: Zone) -> bool:
    pt = np.array([[xy[0]], [xy[1]], [0.0]])
    return bool(rewards.points_in_zone(pt, zone, np.inf)[0])
