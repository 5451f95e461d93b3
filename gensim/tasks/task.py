"""`Task`: the base class of the convention (CLIPort/Ravens/GenSim) that task code derives from.

A subclass sets `max_steps`, `lang_template`, `task_completed_desc` in `__init__` (then calls
`additional_reset()`), and in `reset(env)` calls `super().reset(env)`, adds objects with
`env.add_object` and goals with `self.add_goal`. The environment calls `reward()` and `done()`
after each action; `oracle(env)` is the scripted expert. The public surface follows
`shared/spec/task-api.md`; inside, goals are typed records and randomness comes from
`self.rng`, one `numpy.random.Generator` per episode (`seed(seed)`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from gensim.checking.conventions import SUCCESS_REWARD, WORKSPACE
from gensim.tasks import context, goals, rewards, scene, utils
from gensim.tasks.goals import Goal, Pose
from gensim.tasks.placement import free_space_map, reference_pose
from gensim.tasks.randomness import EpisodeRandom

OVER_BUDGET_TOL = 0.01  # shares summing above 1 by more than this keep the episode going


def kebab(name: str) -> str:
    """`PlaceRedInGreen` -> `place-red-in-green`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class Task:
    """Base class of every task: goals, reward bookkeeping, placement helpers and the expert."""

    def __init__(self) -> None:
        from gensim.sim import cameras, grippers, primitives
        from gensim.sim.assets import default_assets_root

        self.name: str = kebab(type(self).__name__)
        self.ee: Any = grippers.Suction  # end-effector class; the environment instantiates it
        self.mode = "train"  # "train" | "val" | "test"
        self.sixdof = False
        self.primitive: Any = primitives.PickPlace()
        self.oracle_cams = cameras.Oracle.CONFIG
        self.pos_eps = 0.01  # m, position tolerance of the "pose" metric (xy)
        self.rot_eps = float(np.deg2rad(15))  # rad, yaw tolerance of the "pose" metric
        self.pix_size = 0.003125  # m per heightmap pixel
        self.bounds = np.array(WORKSPACE)
        self.zone_bounds = np.copy(self.bounds)
        self.goals: list[Goal] = []
        self.lang_goals: list[str] = []
        self.progress: float = 0.0
        self._rewards: float = 0.0
        self.max_steps = 10
        self.assets_root: str = default_assets_root()
        self.homogeneous = False
        self.train_set = np.arange(0, 14)
        self.test_set = np.arange(14, 20)
        self.num_blocks = 50
        self.lang_template = ""
        self.task_completed_desc = "task completed."
        self.rng: EpisodeRandom = EpisodeRandom()  # the global numpy.random state, see `seed`
        self.warnings: list[str] = []
        self.env: Any = None
        # each goal with what add_goal was given (see `finish_reset`) and the warnings it gave
        self._sources: list[tuple[Goal, goals.GoalSource, list[str]]] = []

    # ------------------------------------------------------------------ set-up

    def additional_reset(self) -> None:
        """Adapt tolerances, end effector and primitive to words of `lang_template`."""
        from gensim.sim import grippers, primitives

        template = self.lang_template or ""
        if "bowl" in template:
            self.pos_eps = 0.05
        if "piles" in template:
            self.ee = grippers.Spatula
            self.primitive = primitives.push
        if "rope" in template:
            self.primitive = primitives.PickPlace(height=0.02, speed=primitives.ROPE_SPEED)
            self.pos_eps = 0.02

    def seed(self, seed: int) -> EpisodeRandom:
        """Start an episode's randomness: the global `numpy.random` and `random` states, which
        task code of the convention and `self.rng` (a view of the former) draw from, in the
        reference's order (see `gensim.tasks.randomness`)."""
        np.random.seed(seed % 2**32)
        random.seed(seed)
        return self.rng

    def set_assets_root(self, assets_root: str) -> None:
        """Folder that asset paths are relative to (the environment sets its own)."""
        self.assets_root = assets_root

    def reset(self, env: Any) -> None:
        """Clear goals, language goals, progress and rewards; subclasses then build the scene."""
        self.env = env
        self.goals = []
        self.lang_goals = []
        self.progress = 0.0
        self._rewards = 0.0
        self.warnings = []
        self._sources = []
        assets_root = getattr(env, "assets_root", None)
        if assets_root:
            self.assets_root = assets_root
        context.bind(getattr(env, "client", None), self.warnings)

    def warn(self, message: str) -> None:
        """Record a fallback that rescued sloppy task code (deduplicated)."""
        if message not in self.warnings:
            self.warnings.append(message)

    # ------------------------------------------------------------------ goals

    def add_goal(
        self, objs: Any, matches: Any, targ_poses: Any, replace: bool, rotations: bool,
        metric: str, params: Any, step_max_reward: float, symmetries: Any = None,
        language_goal: str | Sequence[str] | None = None, **kwargs: Any,
    ) -> Goal:
        """Record one goal step (see the spec): objects, which targets they may go to, how it
        is measured and its share of the total reward. Returns the typed record."""
        source = goals.GoalSource.keep(objs, matches, targ_poses, metric, params, symmetries)
        found: list[str] = []
        goal = self._make_goal(source, replace, rotations, step_max_reward, language_goal, kwargs, found)
        for message in found:
            self.warn(message)
        self.goals.append(goal)
        self.lang_goals.extend(goal.language_goal)
        self._sources.append((goal, source, found))
        return goal

    def _make_goal(self, source: goals.GoalSource, replace: bool, rotations: bool, share: float,
                   language_goal: Any, extra: dict[str, Any], found: list[str]) -> Goal:
        ids, syms = goals.normalize_objects(source.objs, source.symmetries)
        targets = goals.target_list(source.targ_poses, "add_goal target", found)
        zones = goals.normalize_zones(source.params, found) if source.metric == "zone" else []
        goal = Goal(
            objs=ids, matches=goals.normalize_matches(source.matches, len(ids), len(targets), found),
            targ_poses=targets, replace=bool(replace), rotations=bool(rotations),
            metric=str(source.metric), step_max_reward=float(share), symmetries=syms,
            zones=zones, language_goal=goals.language_goals(language_goal), extra=dict(extra),
        )
        if source.metric == "zone":
            goal.object_points = {i: self.get_box_object_points(i) for i in ids}
        return goal

    def finish_reset(self) -> None:
        """Called by the environment once `reset` has returned: a goal whose target list, match
        matrix, zones or (paired) objects the task code changed after `add_goal` (appending a
        target per loop turn after the call, say) takes their final contents, as the reference,
        which keeps those objects themselves, reads them; with a warning."""
        changed = []
        for k, (goal, source, found) in enumerate(self._sources):
            again: list[str] = []
            try:
                fresh = self._make_goal(source, goal.replace, goal.rotations, goal.step_max_reward,
                                        goal.language_goal, goal.extra, again)
            except (TypeError, ValueError) as err:
                self.warn(f"add_goal: goal {k} was changed after add_goal and no longer reads as a goal "
                          f"({err}); kept as it was")
                continue
            if goals.same_goal(goal, fresh):
                continue
            changed.append(k)
            for message in found:
                if message not in again and message in self.warnings:
                    self.warnings.remove(message)
            for field_name in ("objs", "matches", "targ_poses", "symmetries", "zones", "object_points"):
                setattr(goal, field_name, getattr(fresh, field_name))
            for message in again:
                self.warn(message)
        if changed:
            self.warn(f"add_goal: the objects, matches or targets of goal(s) {changed} were changed by the "
                      "task code after add_goal; the goals use them as they are at the end of reset, as "
                      "the reference does")

    def _pose_of(self, obj_id: int) -> Pose:
        return self.env.get_object_pose(obj_id)

    def is_match(self, pose0: Pose, pose1: Pose, symmetry: float) -> bool:
        """Whether `pose0` reaches `pose1` (xy within `pos_eps`, yaw within `rot_eps` mod symmetry)."""
        return rewards.is_match(pose0, pose1, symmetry, self.pos_eps, self.rot_eps)

    def reward(self) -> tuple[float, dict[str, Any]]:
        """`(delta_reward, info)` for the first goal; a completed goal is removed, `progress`
        grows by its share and one language goal is popped; so are the goals after it that are
        already reached as well."""
        if not self.goals:
            return 0.0, {}
        goal = self.goals[0]
        step_reward = self._step_reward(goal)
        delta = self.progress + step_reward - self._rewards
        self._rewards = self.progress + step_reward
        while abs(goal.step_max_reward - step_reward) < 0.01:
            self.progress += goal.step_max_reward
            self.goals.pop(0)
            if self.lang_goals:
                self.lang_goals.pop(0)
            if not self.goals:
                break
            # The next goal, if already reached (its objects placed by the one just reached), is
            # taken at once: the expert has nothing left to do for it.
            goal = self.goals[0]
            step_reward = self._step_reward(goal)
            if abs(goal.step_max_reward - step_reward) < 0.01:
                delta += goal.step_max_reward
                self._rewards += goal.step_max_reward
        return float(delta), {}

    def _step_reward(self, goal: Goal) -> float:
        if goal.metric == "zone":
            return rewards.zone_step_reward(goal, self._pose_of, float(self.zone_bounds[2][1]))
        return rewards.pose_step_reward(goal, self._pose_of, self.pos_eps, self.rot_eps)

    def done(self) -> bool:
        """No goals left, or the total reward exceeds `SUCCESS_REWARD`.

        When the goals' shares add up to more than 1 (a habit of model-written code), the
        reference stops at a total of `SUCCESS_REWARD` with goals still open; here the episode goes on
        until every goal is reached (with a warning), so that the demonstration completes the
        task and the gate's normalised shares can judge it."""
        if not self.goals:
            return True
        budget = self.progress + sum(g.step_max_reward for g in self.goals)
        if budget > 1.0 + OVER_BUDGET_TOL:
            self.warn(f"goal shares sum to {budget:.2f} (above 1): the episode runs until every goal is "
                      f"reached, where the reference stops at a total reward of {SUCCESS_REWARD}")
            return False
        return self._rewards > SUCCESS_REWARD

    def get_reward(self) -> float:
        """The total reward so far."""
        return float(self._rewards)

    def get_lang_goal(self) -> str:
        """The current language goal, or `task_completed_desc` once none is left."""
        return self.lang_goals[0] if self.lang_goals else self.task_completed_desc

    def oracle(self, env: Any) -> Any:
        """The scripted expert: an object with `act(obs, info) -> {'pose0', 'pose1'} | None`."""
        from gensim.tasks.oracle import Oracle

        return Oracle(self, env)

    # ------------------------------------------------------------------ placement

    def get_random_pose(self, env: Any, obj_size: Sequence[float]) -> Pose:
        """A collision-free random pose on the table for an object of `obj_size` (z = half the
        height, random yaw), drawn as the reference draws it (`placement.reference_pose`).
        Always returns a pose: with no free space left it uses the workspace centre, as the
        reference does, and records a warning."""
        ids = [i for group in env.obj_ids.values() for i in group]
        pose, found = reference_pose(env.render_oracle_ids(self.bounds, self.pix_size), ids, obj_size,
                                     self.bounds, self.pix_size)
        if not found:
            self.warn(f"get_random_pose: no free space for an object of size {tuple(obj_size)}; "
                      "used the workspace centre")
        # The position is a list, as the reference returns it: model-written code often edits it
        # in place (`pose[0][2] += h`), which a tuple would refuse.
        return cast(Pose, (list(pose[0]), tuple(pose[1])))

    def free_space(self, env: Any) -> np.ndarray:
        """Top-down map (rows along y, columns along x) of the table not covered by objects."""
        segm = scene.topdown_segmentation(env, self.bounds, self.pix_size)
        return free_space_map(segm, [i for ids in env.obj_ids.values() for i in ids])

    def get_random_size(
        self, min_x: float, max_x: float, min_y: float, max_y: float, min_z: float, max_z: float
    ) -> tuple[float, float, float]:
        """A random size, uniform per axis (three draws, x first, as the reference)."""
        u = np.random.rand(3)
        return (float(u[0] * (max_x - min_x) + min_x), float(u[1] * (max_y - min_y) + min_y),
                float(u[2] * (max_z - min_z) + min_z))

    def fill_template(self, template: str, replace: dict[str, Any]) -> str:
        """Path of a filled copy of an asset template (see `gensim.sim.assets.fill_template`).
        When the template exists, Python's `random` is drawn from as the reference draws to
        name its copy (`reference_name_draws`)."""
        from gensim.sim.assets import fill_template, reference_name_draws, resolve_path

        env_fill = getattr(self.env, "fill_template", None)
        if callable(env_fill) and getattr(self.env, "assets_root", None) == self.assets_root:
            path = str(env_fill(template, replace))  # into the environment's scratch folder
        else:
            path = fill_template(self.assets_root, template, replace, warnings=self.warnings)
        if resolve_path(self.assets_root, template).is_file():
            reference_name_draws()
        return path

    # ------------------------------------------------------------------ helpers of the convention

    def get_colors(self, n_colors: int = -1) -> list[str]:
        """Colour names of this task's split (the training colours, as GenSim), sampled with the
        global `random` as the reference does."""
        _, names = utils.get_colors(self.mode, n_colors)
        return names

    def get_kitting_shapes(self, n_objects: int) -> list[int]:
        """`n_objects` kitting shape indices of this task's split (one repeated if homogeneous)."""
        shape_set = self.train_set if self.mode == "train" else self.test_set
        if self.homogeneous and self.mode != "train":
            return [int(np.random.choice(shape_set))] * n_objects
        return [int(s) for s in np.random.choice(shape_set, n_objects)]

    def get_target_sample_surface_points(self, model: Any, scale: Sequence[float], pose: Pose,
                                         num_points: int = 50) -> list[Pose]:
        """`num_points` target poses (identity rotation) at points inside the mesh file `model`,
        scaled by `scale` and placed at `pose`: the convention's helper for filling a shape with
        pile pieces. The sampler's seed is one draw of the episode's numpy state (deterministic
        per seed; the reference's sampler draws differently)."""
        triangles = _obj_triangles(str(model))
        rng = np.random.default_rng(int(np.random.randint(2**31 - 1)))
        flat = triangles.reshape(-1, 3)
        candidates = rng.uniform(flat.min(axis=0), flat.max(axis=0), size=(int(num_points) * 3, 3))
        points = candidates[_inside_mesh(triangles, candidates)][: int(num_points)]
        world = np.asarray(utils.apply(pose, (points * np.asarray(scale, dtype=float)).T), dtype=float)
        world = world.reshape(3, -1)
        return [((float(x), float(y), float(z)), (0.0, 0.0, 0.0, 1.0)) for x, y, z in zip(*world, strict=True)]

    def make_piles(self, env: Any, block_color: Any = None) -> list[int]:
        """`num_blocks` small blocks in a loose pile on the table; returns their ids."""
        return scene.make_piles(self, env, block_color)

    def make_ropes(
        self, env: Any, corners: Any, radius: float = 0.005, n_parts: int = 20,
        color_name: str = "red",
    ) -> tuple[list[int], list[Pose], np.ndarray]:
        """A rope of `n_parts` linked beads near the line between two corners.

        Returns `(objects, targets, matches)`: the beads, their target poses along the line and
        the identity-like match matrix (a bead may go to its own target or its mirror)."""
        return scene.make_rope(self, env, corners, radius, n_parts, color_name)

    make_rope = make_ropes

    def add_corner_anchor_for_pose(self, env: Any, pose: Any) -> int:
        """A small fixed corner marker at `pose` (a bare xyz is accepted)."""
        urdf = self.fill_template("corner/corner-template.urdf", {"DIMX": (0.04,), "DIMY": (0.04,)})
        found: list[str] = []
        return env.add_object(urdf, goals.normalize_pose(pose, "corner anchor", found), "fixed")

    def get_box_object_points(self, obj: int) -> np.ndarray:
        """Points (3 x N) on a 2 cm grid inside the object's box, in its own frame."""
        return scene.box_points(self.env, obj)

    get_object_points = get_box_object_points  # the older name in Ravens task files

    def get_true_image(self, env: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exact top-down `(color, height, segmentation)` of the scene (what the expert sees)."""
        color, height, segm = env.render_topdown(segmentation=True)
        return color, height, segm

    def get_mesh_object_points(self, obj: int) -> np.ndarray:
        """The object's mesh vertices (3 x N) in its own frame (box points when unavailable)."""
        return scene.mesh_points(self.env, obj)

    def color_random_brown(self, obj: int) -> None:
        """Give the object a random shade of brown (0.5 to 1.5 times the palette's, one draw)."""
        shade = float(np.random.rand()) + 0.5
        base = np.clip(np.array(utils.COLORS["brown"]) * shade, 0.0, 1.0)
        self.env.set_color(obj, [float(c) for c in base])


def _inside_mesh(triangles: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Which points lie inside a closed triangle mesh: an odd number of crossings of the
    triangles by the vertical ray above each point (numpy only: no spatial index needed)."""
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]  # (T, 3)
    v0, v1 = (c - a)[None, :, :2], (b - a)[None, :, :2]
    v2 = points[:, None, :2] - a[None, :, :2]  # (N, T, 2)
    d00, d01, d11 = (v0 * v0).sum(-1), (v0 * v1).sum(-1), (v1 * v1).sum(-1)
    d20, d21 = (v2 * v0).sum(-1), (v2 * v1).sum(-1)
    denom = d00 * d11 - d01 * d01
    safe = np.where(np.abs(denom) < 1e-18, 1.0, denom)
    u, v = (d11 * d20 - d01 * d21) / safe, (d00 * d21 - d01 * d20) / safe
    hit = (np.abs(denom) >= 1e-18) & (u >= 0) & (v >= 0) & (u + v <= 1)
    z = a[None, :, 2] + u * (c - a)[None, :, 2] + v * (b - a)[None, :, 2]
    crossings = (hit & (z > points[:, None, 2])).sum(axis=1)
    return np.asarray(crossings % 2 == 1)


def _obj_triangles(path: str) -> np.ndarray:
    """The triangles (T, 3, 3) of a Wavefront OBJ file (polygons split into fans)."""
    vertices: list[list[float]] = []
    faces: list[list[int]] = []
    with open(path, encoding="utf-8", errors="replace") as file:
        for line in file:
            parts = line.split()
            if parts[:1] == ["v"]:
                vertices.append([float(x) for x in parts[1:4]])
            elif parts[:1] == ["f"]:
                idx = [int(p.split("/")[0]) for p in parts[1:]]
                faces += [[idx[0], idx[k], idx[k + 1]] for k in range(1, len(idx) - 1)]
    verts = np.asarray(vertices, dtype=float)
    index = np.asarray(faces, dtype=int)
    index = np.where(index > 0, index - 1, len(verts) + index)  # OBJ indices: 1-based or negative
    return np.asarray(verts[index], dtype=float).reshape(-1, 3, 3)

