"""The tabletop environment: PyBullet physics, the end effector, objects and observations.

Call order of `step(action)` (a task never steps the simulation itself):
  1. if `action` is given: `timed_out = task.primitive(env, action["pose0"], action["pose1"])`
     (the primitive moves the end effector with `movep` and physics steps);
  2. step physics until every rigid object moves slower than `SETTLE_SPEED` (5 mm/s) at two
     checks in a row, `SETTLE_CHECK_EVERY` steps apart, for at most `SETTLE_CAP_S` (2 s) of
     simulated time; once settled after an action, the objects at rest are put to sleep (`rest`);
  3. `reward, _ = task.reward()` (only after an action; 0 otherwise), `done = task.done()`;
     an action whose primitive timed out instead ends the episode at once with reward 0, as
     the reference does (no settling, `task.reward()` not called);
  4. render the observation (unless `render_obs` is False: then `obs` is `{}`);
  5. read `info` (poses and sizes of all objects, the language goal).

`reset()`: reset the simulation, load the ground and the workspace surface, create the end
effector from `task.ee` (default `Suction`), call `task.reset(env)` then `task.finish_reset()` (`build_scene`), choose the solver
iterations (fewer in crowded scenes such as piles and in scenes of linked bodies such as ropes,
where contact solving dominates the step time), settle (step 2), render. Seeding is the caller's job: the task owns its generator.

Speed choices: one-link objects load as plain rigid bodies, objects at rest fall asleep (see
`_allow_sleep`) and are put to sleep as soon as the world has settled after an action (see `rest`), and cameras
skip the ground and table (see above).

Headless by default (`p.DIRECT`); every PyBullet call passes `physicsClientId=self.client`, so
several environments can live in one process. The end effector is hidden from cameras while
they render (alpha 0), so it never occludes the observation; so are the ground and the table,
which `render.Ground` draws from their geometry (much faster with the CPU renderer).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from gensim.errors import UsageError
from gensim.sim import render
from gensim.sim.assets import default_assets_root, fill_template
from gensim.sim.cameras import RealSenseD415, TopDown
from gensim.sim.colors import resolve_color
from gensim.sim.constants import (
    BOUNDS,
    CROWDED,
    EE_MAX_ROT_STEP,
    EE_POS_TOL,
    EE_ROT_TOL,
    GRAVITY,
    HZ,
    MOVE_WAIT_S,
    PIX_SIZE,
    REST_MOVED,
    REST_NEAR,
    REST_SPIN,
    SETTLE_CAP_S,
    SETTLE_CHECK_EVERY,
    SETTLE_SPEED,
    SLEEP_SPEED,
    SOLVER_ITERATIONS,
    SOLVER_ITERATIONS_CROWDED,
    SOLVER_ITERATIONS_LINKED,
)
from gensim.sim.grippers import Gripper, Pose, Suction
from gensim.sim.loading import load_object
from gensim.sim.primitives import PickPlace, as_pose

CATEGORIES = ("fixed", "rigid", "deformable")
# pybullet's GEOM_SPHERE, GEOM_CYLINDER, GEOM_CAPSULE: what can roll is left to Bullet's own
# sleeping (`rest` let GenSim's spheres and cylinders roll off the table on four files' seeds)
ROUND_SHAPES = frozenset({2, 4, 7})


def _angle_between(q0: Any, q1: Any) -> float:
    dot = abs(float(np.dot(q0, q1)))
    return 2.0 * float(np.arccos(min(dot, 1.0)))


def _slerp(q0: np.ndarray, q1: np.ndarray, t: float) -> np.ndarray:
    if np.dot(q0, q1) < 0:
        q1 = -q1
    dot = min(float(np.dot(q0, q1)), 1.0)
    if dot > 0.9995:
        q = q0 + t * (q1 - q0)
        return q / np.linalg.norm(q)
    theta = np.arccos(dot)
    return (np.sin((1 - t) * theta) * q0 + np.sin(t * theta) * q1) / np.sin(theta)



def import_pybullet() -> Any:
    """`pybullet`, imported without the "pybullet build time" banner its C module writes to
    file descriptor 2 (no Python setting reaches it): the descriptor points at /dev/null for
    the import only, the first time in a process."""
    import sys

    if "pybullet" in sys.modules:
        return sys.modules["pybullet"]
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        import pybullet
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return pybullet

_spare_clients: list[int] = []  # DIRECT clients connected ahead of need (`connect_ahead`)


def connect_ahead() -> None:
    """Connect one DIRECT PyBullet client now, which the next `Environment` of this process
    takes instead of connecting (pybullet.connect costs ~40 ms). A warm sandbox's fork server
    calls it once (`gensim.tasks.episode.warm_up`): every forked job then starts with its own
    copy of a fresh, empty client."""
    if not _spare_clients:
        pybullet = import_pybullet()
        _spare_clients.append(int(pybullet.connect(pybullet.DIRECT)))


class Environment:
    """A PyBullet tabletop with a floating end effector (see the module docstring).

    `assets_root`: folder of the assets (default: the packaged `gensim/assets`). `hz`: physics
    steps per second. `render_views`: also render the three RGB-D views into `obs["views"]`.
    `render_obs`: render observations at all (checks turn it off). `fused_obs`: build
    `obs["color"]`/`obs["height"]` as CLIPort does, fused from the three RGB-D views (each
    back-projected onto the top-down grid, heights maxed, colours averaged), instead of the
    direct orthographic render (the fast default; docs/fidelity.md measures the difference).
    `robot`: "none" (the floating end effector, default) or "panda" (a Franka Panda carries the
    tool, driven by IK; see `gensim.sim.arm`).

    Per-step state for recorders: `robot_state()` returns a `gensim.sim.arm.RobotState`
    (joints, commanded targets, tool pose, suction state) at any time; `set_control_hook(hook,
    rate_hz)` calls `hook(env.robot_state())` every `hz // rate_hz` physics steps, also inside
    primitives (20 Hz at 480 Hz = every 24 steps). The hook must not change the world.
    """

    def __init__(
        self, assets_root: str | None = None, gui: bool = False, hz: int = HZ,
        render_views: bool = False, render_obs: bool = True, fused_obs: bool = False,
        robot: str = "none",
    ) -> None:
        pybullet = import_pybullet()
        self.p: Any = pybullet
        self.assets_root = str(assets_root) if assets_root is not None else default_assets_root()
        self.gui = gui
        self.hz = hz
        self.render_views = render_views
        self.render_obs = render_obs
        self.fused_obs = fused_obs
        from gensim.sim.arm import check_robot

        self.robot = check_robot(robot)
        self.arm: Any = None  # the `Arm` after reset when robot != "none"
        self.control_hook: Callable[[Any], None] | None = None
        self.control_every = 0  # physics steps between two control_hook calls (0: never)
        if _spare_clients and not gui:
            self.client: int = _spare_clients.pop()
        else:
            self.client = pybullet.connect(pybullet.GUI if gui else pybullet.DIRECT)
        self.tmp_dir = Path(tempfile.mkdtemp(prefix="gensim-env-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.tmp_dir, True)
        self.task: Any = None
        self.obj_ids: dict[str, list[int]] = {c: [] for c in CATEGORIES}
        self.warnings: list[str] = []
        self.ee: Gripper | None = None
        self.step_count = 0  # actions executed since reset
        self.sim_steps = 0  # physics steps since reset
        # An observer called every `frame_every` physics steps (the episode loop sets it to film
        # the motion between actions); it must not change the world.
        self.frame_hook: Callable[[], None] | None = None
        self.frame_every = max(1, hz // 8)
        self.last_timeout = False  # whether the last action's primitive timed out
        self._dims: dict[int, tuple[float, ...]] = {}
        # Objects `rest` put to sleep: (pose and velocity as 7 + 6 numbers, AABB) when it did; see
        # `wake_moved`.
        self._asleep: dict[int, tuple[tuple[float, ...], Any]] = {}
        self._one_link: dict[int, bool] = {}
        self._linked: set[int] = set()  # movable objects linked by constraints (ropes): no `rest` then
        self._in_task = False  # task code (its reward() or done()) is running
        self._moves_pending = False  # code ran that may have moved sleepers: check before the next step
        self._fallback_rng = np.random.default_rng(0)
        self.scenery: list[render.Visibility] = []  # ground and table bodies, hidden for cameras
        self.ground: render.Ground | None = None  # ... which draw them from geometry instead
        self.closed = False

    # -- lifecycle --------------------------------------------------------------------------
    def set_task(self, task: Any) -> None:
        """Use `task` (an object with ee, primitive, reset, reward, done) from the next reset."""
        self.task = task

    def reset(self) -> dict[str, Any]:
        """Reset the world, let the task add its objects, settle, and return the observation."""
        if self.task is None:
            raise UsageError("Environment.reset() needs a task: call set_task(task) first")
        p, c = self.p, self.client
        if self.gui:
            p.configureDebugVisualizer(p.COV_ENABLE_RENDERING, 0, physicsClientId=c)
        p.resetSimulation(physicsClientId=c)
        p.setGravity(0, 0, GRAVITY, physicsClientId=c)
        p.setTimeStep(1.0 / self.hz, physicsClientId=c)
        self.obj_ids = {cat: [] for cat in CATEGORIES}
        self.warnings = []
        self._dims = {}
        self._asleep, self._one_link, self._linked = {}, {}, set()
        self.step_count = self.sim_steps = 0
        self.last_timeout = False
        self._fallback_rng = np.random.default_rng(0)
        root = self.assets_root
        plane = p.loadURDF(
            f"{root}/plane/plane.urdf", (0, 0, 0), useFixedBase=True, useMaximalCoordinates=True, physicsClientId=c
        )
        table = p.loadURDF(f"{root}/workspace/workspace.urdf", (0, 0, 0), useFixedBase=True, physicsClientId=c)
        self.scenery = [render.Visibility(p, c, plane), render.Visibility(p, c, table)]
        ground = self._ground(plane, table)
        if ground != self.ground:  # same scenery: keep the backdrops computed for the cameras
            self.ground = ground
        ee_cls = getattr(self.task, "ee", None) or Suction
        if not (isinstance(ee_cls, type) and issubclass(ee_cls, Gripper)):
            raise UsageError(f"task.ee must be a gripper class (Suction or Spatula), not {ee_cls!r}")
        self.ee = ee_cls(self)
        self.arm = None
        if self.robot != "none":
            from gensim.sim.arm import Arm

            self.arm = Arm(self, self.ee)
            self.arm_visibility = render.Visibility(p, c, self.arm.body)
        elif not self.gui:
            self.ee.set_visible(False)  # no viewer: only cameras could see it, and they must not
        self.build_scene()
        self._linked = self._linked_bodies()
        p.setPhysicsEngineParameter(numSolverIterations=self._solver_iterations(), physicsClientId=c)
        if self.gui:
            p.configureDebugVisualizer(p.COV_ENABLE_RENDERING, 1, physicsClientId=c)
        self.wait_until_settled()
        self._moves_pending = True
        return self.observe()

    def build_scene(self) -> None:
        """Let the task add its objects and goals (`task.reset(self)`, then its `finish_reset()`
        when it has one); the gate's recording environment hooks here to log the scene."""
        self.task.reset(self)
        finish = getattr(self.task, "finish_reset", None)
        if callable(finish):
            finish()

    def _solver_iterations(self) -> int:
        """Contact solver iterations for the scene just built: `SOLVER_ITERATIONS_LINKED` when
        two movable objects are linked by a constraint (a rope's beads), else
        `SOLVER_ITERATIONS_CROWDED` above `CROWDED` movable objects, else `SOLVER_ITERATIONS`.
        Read from the world, not from how the scene was made, so that a replay of the recorded
        calls chooses the same."""
        if self._linked:
            return SOLVER_ITERATIONS_LINKED
        movable = set(self.obj_ids["rigid"]) | set(self.obj_ids["deformable"])
        return SOLVER_ITERATIONS_CROWDED if len(movable) > CROWDED else SOLVER_ITERATIONS

    def _linked_bodies(self) -> set[int]:
        """The movable objects linked to another movable object by a constraint (a rope's beads)."""
        p, c = self.p, self.client
        movable = set(self.obj_ids["rigid"]) | set(self.obj_ids["deformable"])
        linked: set[int] = set()
        for index in range(p.getNumConstraints(physicsClientId=c)):
            info = p.getConstraintInfo(p.getConstraintUniqueId(index, physicsClientId=c), physicsClientId=c)
            if info[0] in movable and info[2] in movable:
                linked.update((info[0], info[2]))
        return linked

    def _ground(self, plane: int, table: int) -> render.Ground:
        shape = self.p.getVisualShapeData(table, physicsClientId=self.client)[0]
        (dx, dy, _), (cx, cy, _) = shape[3], shape[5]

        def rgb(visibility: render.Visibility) -> tuple[int, int, int]:
            r, g, b = (int(round(v * 255)) for v in visibility.colors[-1][:3])
            return r, g, b

        return render.Ground(
            table_color=rgb(self.scenery[1]), ground_color=rgb(self.scenery[0]),
            table_xy=(cx - dx / 2, cx + dx / 2, cy - dy / 2, cy + dy / 2), table_id=table, ground_id=plane,
        )

    def close(self) -> None:
        """Disconnect from PyBullet and remove the temporary folder (filled templates)."""
        if not self.closed:
            self.p.disconnect(physicsClientId=self.client)
            self.closed = True
        self._cleanup()

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- objects ----------------------------------------------------------------------------
    @property
    def rng(self) -> Any:
        """The random source used by fallbacks: the task's when it has one (same-seed
        determinism; a task's `rng` draws from the episode's seeded global state)."""
        rng = getattr(self.task, "rng", None)
        return rng if callable(getattr(rng, "uniform", None)) else self._fallback_rng

    def add_object(
        self, urdf: str, pose: Any, category: str = "rigid", color: Any = None, **kwargs: Any
    ) -> int:
        """Load `urdf` (relative to `assets_root` or absolute) at `pose` and register it.

        Fallbacks, each recorded in `warnings`: a missing "-template" file is looked up without
        "-template"; unfilled DIM/HALF placeholders get 3 to 5 cm; a missing or unloadable asset
        becomes the standard 4 cm block; a bare xyz pose gets identity rotation; an unknown
        colour name becomes red; an unknown category counts as rigid. Keyword arguments:
        `replace` (a template's replacement dict), `size` (fills DIM/HALF), `scale` (global
        scaling); other keywords are ignored with a warning.
        """
        if category not in CATEGORIES:
            self.warnings.append(f"unknown object category '{category}': treated as rigid")
            category = "rigid"
        obj_id = load_object(self, urdf, pose, fixed=category == "fixed", **kwargs)
        self.obj_ids[category].append(obj_id)
        if category != "fixed":
            self._allow_sleep(obj_id)
        if color is not None:
            self.set_color(obj_id, color)
        shapes = self.p.getVisualShapeData(obj_id, physicsClientId=self.client)
        self._dims[obj_id] = tuple(shapes[0][3]) if shapes else self.get_object_size(obj_id)
        return obj_id

    def _allow_sleep(self, obj_id: int) -> None:
        """Let the object sleep once nearly at rest for Bullet's deactivation time (2 s).

        Sleeping bodies cost almost nothing per step, which matters for piles of 50 pieces;
        anything that touches them (the end effector, a moving object) wakes them. One-link
        bodies are plain rigid bodies, whose threshold is a speed; multibodies compare a sum of
        squared speeds.
        """
        p, c = self.p, self.client
        single = p.getNumJoints(obj_id, physicsClientId=c) == 0
        threshold = SLEEP_SPEED if single else SLEEP_SPEED**2
        p.changeDynamics(
            obj_id, -1, activationState=p.ACTIVATION_STATE_ENABLE_SLEEPING, sleepThreshold=threshold,
            physicsClientId=c,
        )

    def fill_template(self, template: str, replace: dict[str, Any]) -> str:
        """A filled copy of `template` in this environment's temporary folder."""
        return fill_template(self.assets_root, template, replace, self.tmp_dir, self.warnings)

    def get_object_pose(self, obj_id: int) -> Pose:
        """(xyz, quat_xyzw) of an object's base."""
        pos, orn = self.p.getBasePositionAndOrientation(obj_id, physicsClientId=self.client)
        return tuple(pos), tuple(orn)  # type: ignore[return-value]

    def get_object_size(self, obj_id: int) -> tuple[float, float, float]:
        """(dx, dy, dz) extents of the object's axis-aligned bounding box, all links included."""
        p, c = self.p, self.client
        lo, hi = (np.array(v) for v in p.getAABB(obj_id, -1, physicsClientId=c))
        for link in range(p.getNumJoints(obj_id, physicsClientId=c)):
            llo, lhi = p.getAABB(obj_id, link, physicsClientId=c)
            lo, hi = np.minimum(lo, llo), np.maximum(hi, lhi)
        dx, dy, dz = (float(v) for v in hi - lo)
        return dx, dy, dz

    def set_color(self, obj_id: int, color: Any) -> None:
        """Colour every link of an object: an RGB(A) sequence or a colour name."""
        rgba = resolve_color(color, self.warnings)
        for link in range(-1, self.p.getNumJoints(obj_id, physicsClientId=self.client)):
            self.p.changeVisualShape(obj_id, link, rgbaColor=rgba, physicsClientId=self.client)

    @property
    def info(self) -> dict[Any, Any]:
        """`{object_id: (xyz, quat, dims), ..., "lang_goal": str}` for every registered object."""
        info: dict[Any, Any] = {}
        for ids in self.obj_ids.values():
            for obj_id in ids:
                pos, orn = self.get_object_pose(obj_id)
                info[obj_id] = (pos, orn, self._dims.get(obj_id, ()))
        get_goal = getattr(self.task, "get_lang_goal", None)
        info["lang_goal"] = get_goal() if callable(get_goal) else ""
        return info

    # -- physics and motion -----------------------------------------------------------------
    def step_physics(self, n: int = 1) -> None:
        """Advance physics by `n` steps (for primitives; tasks never call this)."""
        if self._asleep and (self._in_task or self._moves_pending):
            self.wake_moved()
        for _ in range(n):
            self.p.stepSimulation(physicsClientId=self.client)
            self.sim_steps += 1
            if self.frame_hook is not None and self.sim_steps % self.frame_every == 0:
                self.frame_hook()
            if self.control_hook is not None and self.sim_steps % self.control_every == 0:
                self.control_hook(self.robot_state())

    def set_control_hook(self, hook: Callable[[Any], None] | None, rate_hz: float = 20.0) -> None:
        """Call `hook(self.robot_state())` every `hz // rate_hz` physics steps (None: stop)."""
        if hook is not None and not 0 < rate_hz <= self.hz:
            raise UsageError(f"control rate must be in (0, {self.hz}] Hz, not {rate_hz}")
        self.control_hook = hook
        self.control_every = max(1, int(round(self.hz / rate_hz))) if hook is not None else 0

    def robot_state(self) -> Any:
        """The robot now, as a `gensim.sim.arm.RobotState` (joint fields empty without an arm)."""
        from gensim.sim.arm import RobotState

        ee = self.require_ee()
        q: tuple[float, ...] = ()
        dq: tuple[float, ...] = ()
        targets: tuple[float, ...] = ()
        if self.arm is not None:
            q, dq = self.arm.joint_states()
            targets = self.arm.targets
        return RobotState(
            robot=self.robot, joint_positions=q, joint_velocities=dq, joint_targets=targets, ee_pose=ee.pose(),
            suction_on=bool(getattr(ee, "activated", False)), holding=ee.check_grasp(),
            sim_step=self.sim_steps, time_s=self.sim_steps / self.hz,
        )

    @property
    def is_static(self) -> bool:
        """Whether every rigid object moves slower than `SETTLE_SPEED`."""
        for obj_id in self.obj_ids["rigid"]:
            lin, _ = self.p.getBaseVelocity(obj_id, physicsClientId=self.client)
            if lin[0] * lin[0] + lin[1] * lin[1] + lin[2] * lin[2] > SETTLE_SPEED**2:
                return False
        return True

    def wait_until_settled(self) -> bool:
        """Step until `is_static` holds at two checks in a row (checks every few steps) or the
        cap; True if it settled.

        It always steps before the first check (an object just placed in mid-air has zero
        velocity), and one check is not enough: a released object thrown upwards is at rest
        for an instant at the top of its flight.
        """
        cap = int(SETTLE_CAP_S * self.hz)
        steps, calm = 0, 0
        while steps < cap:
            self.step_physics(SETTLE_CHECK_EVERY)
            steps += SETTLE_CHECK_EVERY
            calm = calm + 1 if self.is_static else 0
            if calm >= 2:
                return True
        return False

    def rest(self) -> None:
        """Put every one-link rigid object at rest (slower than `SETTLE_SPEED`, turning slower than
        `REST_SPIN`) to sleep now instead of after Bullet's deactivation time (2 s): a settled
        stack then costs nothing per step until something touches it (the tool, a falling
        object: Bullet wakes what a moving body touches), which matters when an episode keeps a
        tall stack (palletizing) beside the tool's motion. Bullet zeroes a sleeping body's
        velocity; so does this, at once.

        Not a sphere, cylinder or capsule (`ROUND_SHAPES`), nor in a scene with a rope (objects linked by constraints, `_linked_bodies`): a rope's
        outcome hangs on small differences, with its beads asleep or with only the objects
        around it asleep (GenSim's manipulating-two-ropes and connect-boxes-with-rope each
        changed a seed), and such scenes step fast since `SOLVER_ITERATIONS_LINKED`.
        Only after an action (`step`), not after the reset: putting the objects just dropped
        into the scene to sleep changes the first action's outcome where it hangs on a hair
        (a block pushed against a bowl's rim), while after the reset settles the first action
        runs exactly as without `rest`.

        Bullet does not wake a sleeping body that code moves (`resetBasePositionAndOrientation`,
        `resetBaseVelocity`): `wake_moved` does, before the next physics step after the task's or
        the expert's code ran, and so does the sandbox's recorder when task code moves one."""
        p, c = self.p, self.client
        self._asleep = {}
        if self._linked:
            return
        for obj_id in self.obj_ids["rigid"]:
            one_link = self._one_link.get(obj_id)
            if one_link is None:
                # (pybullet reads no collision shapes of maximal-coordinate bodies: the drawn ones)
                shapes = p.getVisualShapeData(obj_id, physicsClientId=c)
                one_link = self._one_link[obj_id] = p.getNumJoints(obj_id, physicsClientId=c) == 0 and not any(
                    shape[2] in ROUND_SHAPES for shape in shapes)
            if not one_link:
                continue
            lin, ang = p.getBaseVelocity(obj_id, physicsClientId=c)
            if (lin[0] * lin[0] + lin[1] * lin[1] + lin[2] * lin[2] > SETTLE_SPEED**2
                    or ang[0] * ang[0] + ang[1] * ang[1] + ang[2] * ang[2] > REST_SPIN**2):
                continue
            p.resetBaseVelocity(obj_id, (0, 0, 0), (0, 0, 0), physicsClientId=c)
            p.changeDynamics(obj_id, -1, activationState=p.ACTIVATION_STATE_SLEEP, physicsClientId=c)
            pos, orn = p.getBasePositionAndOrientation(obj_id, physicsClientId=c)
            self._asleep[obj_id] = ((*pos, *orn, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), p.getAABB(obj_id, physicsClientId=c))

    def wake_moved(self) -> None:
        """Wake the objects `rest` put to sleep that code has moved since (pose or velocity set),
        each with the sleepers within `REST_NEAR` of where it lay (what it supported)."""
        self._moves_pending = False
        p, c = self.p, self.client
        moved = []
        for obj_id, (state, _) in self._asleep.items():
            try:
                pos, orn = p.getBasePositionAndOrientation(obj_id, physicsClientId=c)
                lin, ang = p.getBaseVelocity(obj_id, physicsClientId=c)
            except p.error:  # removed
                moved.append(obj_id)
                continue
            now = (*pos, *orn, *lin, *ang)
            if max(abs(a - b) for a, b in zip(state, now, strict=True)) > REST_MOVED:
                moved.append(obj_id)
        for obj_id in moved:
            self.wake(obj_id)

    def wake(self, obj_id: int) -> None:
        """Wake `obj_id` if `rest` put it to sleep, and the sleepers within `REST_NEAR` of where it lay."""
        entry = self._asleep.pop(obj_id, None)
        if entry is None:
            return
        p, c = self.p, self.client
        (x0, y0, z0), (x1, y1, z1) = entry[1]
        lo, hi = (x0 - REST_NEAR, y0 - REST_NEAR, z0 - REST_NEAR), (x1 + REST_NEAR, y1 + REST_NEAR, z1 + REST_NEAR)
        near = p.getOverlappingObjects(lo, hi, physicsClientId=c) or ()
        for other in [obj_id, *(o for o, _ in near if o in self._asleep)]:
            self._asleep.pop(other, None)
            try:
                p.changeDynamics(other, -1, activationState=p.ACTIVATION_STATE_WAKE_UP, physicsClientId=c)
            except p.error:  # removed
                pass

    def movep(self, pose: Any, speed: float = 0.01) -> bool:
        """Move the end effector to `pose` by `speed` metres (and at most `EE_MAX_ROT_STEP`
        radians) per physics step, then wait up to `MOVE_WAIT_S` for it to arrive. Returns True
        on timeout (blocked or too slow)."""
        ee = self.require_ee()
        if self.arm is not None:
            speed = self.arm.limit_speed(speed)
        pos1, orn1 = (np.asarray(v, float) for v in as_pose(pose))
        pos0, orn0 = (np.asarray(v, float) for v in ee.target)
        dist = float(np.linalg.norm(pos1 - pos0))
        angle = _angle_between(orn0, orn1)
        n = max(1, int(np.ceil(max(dist / max(speed, 1e-6), angle / EE_MAX_ROT_STEP))))
        fractions = np.arange(1, n + 1) / n
        positions = (pos0 + fractions[:, None] * (pos1 - pos0)).tolist()
        if angle > 1e-6:
            orientations = [tuple(_slerp(orn0, orn1, float(t))) for t in fractions]
        else:
            orientations = [tuple(orn1.tolist())] * n
        for position, orientation in zip(positions, orientations, strict=True):
            ee.set_target((tuple(position), orientation))  # type: ignore[arg-type]
            self.step_physics()
        for _ in range(int(MOVE_WAIT_S * self.hz)):
            pos, orn = ee.pose()
            if np.linalg.norm(np.subtract(pos, pos1)) < EE_POS_TOL and _angle_between(orn, orn1) < EE_ROT_TOL:
                return False
            self.step_physics()
        return True

    def require_ee(self) -> Gripper:
        """The end effector; a `UsageError` before the first reset."""
        if self.ee is None:
            raise UsageError("the environment has no end effector yet: call reset() first")
        return self.ee

    # -- the loop ---------------------------------------------------------------------------
    def step(self, action: dict[str, Any] | None = None) -> tuple[dict[str, Any], float, bool, dict[Any, Any]]:
        """One action (see the call order in the module docstring) -> (obs, reward, done, info)."""
        if self.task is None:
            raise UsageError("Environment.step() needs a task: call set_task(task) and reset()")
        timed_out = False
        if action is not None:
            if not isinstance(action, dict) or "pose0" not in action or "pose1" not in action:
                raise UsageError(f"an action is a dict with 'pose0' and 'pose1', not {action!r}")
            primitive = getattr(self.task, "primitive", None) or PickPlace()
            timed_out = bool(primitive(self, action["pose0"], action["pose1"]))
            self.step_count += 1
        self.last_timeout = timed_out
        if timed_out:
            # As the reference: a timed-out action ends the episode and scores 0, without
            # settling or asking the task (whose progress is left as it was).
            return self.observe(), 0.0, True, self.info
        if self.wait_until_settled() and action is not None:
            self.rest()
        self._in_task = True  # task code may move sleepers and step: `step_physics` checks each time
        try:
            reward = float(self.task.reward()[0]) if action is not None else 0.0
            done = bool(self.task.done())
        finally:
            self._in_task = False
            self._moves_pending = True
        return self.observe(), reward, done, self.info

    # -- observations -----------------------------------------------------------------------
    def render_topdown(self, segmentation: bool = False) -> tuple[np.ndarray, ...]:
        """(color uint8 (320, 160, 3), height float32 (320, 160)[, segmentation int32 ids]) from
        the orthographic top-down camera, end effector hidden."""
        with self._hidden(arm=True):
            color, height, segm = render.render_topdown(
                self.p, self.client, segmentation, TopDown.CONFIG, self.ground
            )
        return (color, height, segm) if segm is not None else (color, height)

    def render_camera(self, config: dict[str, Any], segmentation: bool = False) -> tuple[np.ndarray, ...]:
        """(rgb, depth[, segmentation]) of one perspective camera config; the floating end
        effector is hidden, an arm and the tool it carries are shown."""
        with self._hidden():
            rgb, depth, segm = render.render_camera(self.p, self.client, config, segmentation, self.ground)
        return (rgb, depth, segm) if segm is not None else (rgb, depth)

    def render_oracle_ids(self, bounds: Any = BOUNDS, pix_size: float = PIX_SIZE) -> np.ndarray:
        """The reference's top-down segmentation (8-bit body ids on the heightmap grid, see
        `gensim.sim.oracle_view`), end effector and scenery hidden; free-space sampling uses it."""
        from gensim.sim.cameras import Oracle
        from gensim.sim.oracle_view import topdown_ids

        with self._hidden(arm=True):
            return topdown_ids(self.p, self.client, Oracle.CONFIG[0], bounds, pix_size)

    def observe(self) -> dict[str, Any]:
        """The observation dict (see the module docstring); `{}` when `render_obs` is False."""
        if not self.render_obs:
            return {}
        views: list[tuple[np.ndarray, np.ndarray]] | None = None
        if self.render_views or self.fused_obs:
            views = []
            for cfg in RealSenseD415.CONFIG:
                rgb, depth = self.render_camera(cfg)[:2]
                views.append((rgb, depth))
        if self.fused_obs and views is not None:
            color, height = render.fuse_views(views, RealSenseD415.CONFIG, BOUNDS, PIX_SIZE)
        else:
            color, height = self.render_topdown()[:2]
        obs: dict[str, Any] = {"color": color, "height": height}
        if self.render_views:
            obs["views"] = views
        return obs

    def _hidden(self, arm: bool = False) -> _Hidden:
        """Hide the end effector (it must not occlude) and the scenery (`render.Ground`); an arm
        and its tool only when `arm` (the top-down views), else cameras show them."""
        bodies = [self.ee.visibility] if self.ee and (self.arm is None or arm) else []
        if self.arm is not None and arm:
            bodies.append(self.arm_visibility)
        return _Hidden(bodies, *self.scenery)


class _Hidden:
    """Context manager that hides bodies from cameras while they render, then restores them."""

    def __init__(self, bodies: list[render.Visibility], *more: render.Visibility) -> None:
        self.bodies = [b for b in [*bodies, *more] if b.visible]

    def __enter__(self) -> None:
        for body in self.bodies:
            body.set(False)

    def __exit__(self, *exc: object) -> None:
        for body in self.bodies:
            body.set(True)
