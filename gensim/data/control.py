"""Control-rate recording of an expert episode, and its LeRobot v3.0 export.

`record_control_episode` runs the task's expert with `robot` ("panda": the Franka arm; "none":
the floating end effector) and samples the robot every `1/CONTROL_HZ` s of simulated time
through `Environment.set_control_hook`: joint positions, velocities and commanded targets (the
arm's 7 joints; none for the floating tool), the tool point's pose, the suction state, and one
small RGB frame of the front camera (the arm is visible there). Samples taken during the scene's
settling at reset are kept (the robot is at rest there); frame `t` is at `(t + 1) / fps` s of
simulated time after the reset.

`export_control_lerobot` writes episodes as a LeRobotDataset v3.0 (see docs/dataset-format.md,
"Control-rate export"): `observation.state` = joints, joint velocities, tool pose, suction on,
holding; `action` = commanded joint targets and suction on (for the floating tool: the tool pose
and suction on); `observation.images.front` = PNG bytes (`struct<bytes, path>`); one row per
control step at `fps` = `CONTROL_HZ`.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gensim.data.format import CONTROL_PREFIX
from gensim.errors import UsageError

CONTROL_HZ = 20  # samples per simulated second (physics at 480 Hz: one sample every 24 steps)
IMAGE_SIZE = (96, 128)  # rows, cols of the recorded front view (the D415 front view scaled by 0.2)
CODEBASE_VERSION = "v3.0"
POSE = ("x", "y", "z", "qx", "qy", "qz", "qw")


def front_camera() -> dict[str, Any]:
    """The convention's front camera at `IMAGE_SIZE` (same pose, intrinsics scaled)."""
    from gensim.sim.cameras import RealSenseD415

    config = dict(RealSenseD415.CONFIG[0])
    rows, cols = config["image_size"]
    s = IMAGE_SIZE[0] / rows
    fx, _, cx, _, fy, cy, *_ = config["intrinsics"]
    config["image_size"] = IMAGE_SIZE
    config["intrinsics"] = (fx * s, 0.0, cx * s, 0.0, fy * s, cy * s, 0.0, 0.0, 1.0)
    return config


@dataclass
class ControlEpisode:
    """One episode sampled at `fps` (arrays have one row per sample)."""

    task: str
    seed: int
    robot: str
    fps: int
    lang_goal: str
    success: bool
    joint_names: list[str]
    joint_positions: np.ndarray  # (T, J) rad
    joint_velocities: np.ndarray  # (T, J) rad/s
    joint_targets: np.ndarray  # (T, J) rad, last commanded position-motor targets
    ee_pose: np.ndarray  # (T, 7) m, quat xyzw
    suction_on: np.ndarray  # (T,) bool
    holding: np.ndarray  # (T,) bool
    time_s: np.ndarray  # (T,) simulated seconds since reset
    images: np.ndarray  # (T, H, W, 3) uint8, front view
    joint_limits: list[tuple[float, float]] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    def state(self) -> np.ndarray:
        """(T, S) float32 `observation.state` (names: `state_names`)."""
        return np.concatenate([self.joint_positions, self.joint_velocities, self.ee_pose,
                               self.suction_on[:, None], self.holding[:, None]], axis=1).astype(np.float32)

    def state_names(self) -> list[str]:
        return ([f"{j}.pos" for j in self.joint_names] + [f"{j}.vel" for j in self.joint_names]
                + [f"ee.{c}" for c in POSE] + ["suction_on", "holding"])

    def action(self) -> np.ndarray:
        """(T, A) float32 `action`: joint targets (arm) or the tool pose (floating), then suction."""
        head = self.joint_targets if self.joint_names else self.ee_pose
        return np.concatenate([head, self.suction_on[:, None]], axis=1).astype(np.float32)

    def action_names(self) -> list[str]:
        head = [f"{j}.target" for j in self.joint_names] if self.joint_names else [f"ee.{c}" for c in POSE]
        return [*head, "suction_on"]


MAX_JOINTS = 16  # a control stream with more joints is not one gensim recorded
MAX_SAMPLES = CONTROL_HZ * 1800  # 30 minutes of simulated time: a longer stream is not an episode
NPY_HEADERS = 16 * 1024  # bytes allowed for the .npy headers of the control members
JOINT_LIMIT_SLACK = 1e-2  # rad: joint positions may overshoot their limits this much in simulation


class ControlSampler:
    """Samples `env` every `1/fps` s of simulated time while it is active (`with sampler:`).

    Keeps the samples after the last reset only (a reset starts `sim_step` again), each with the
    number of pick/place actions the environment had completed (`actions_done`) and, with
    `images`, the front camera at `IMAGE_SIZE` (the arm is visible there). The hook only reads
    the world. `members()` gives the arrays an episode file stores (`control_*`, see
    docs/dataset-format.md), `meta()` their JSON description.
    """

    def __init__(self, env: Any, fps: int = CONTROL_HZ, images: bool = True) -> None:
        self.env, self.fps, self.images = env, fps, images
        self.states: list[Any] = []
        self.actions_done: list[int] = []
        self.frames: list[np.ndarray] = []
        self.camera = front_camera() if images else None

    def __enter__(self) -> ControlSampler:
        self.env.set_control_hook(self._hook, rate_hz=self.fps)
        return self

    def __exit__(self, *exc: object) -> None:
        self.env.set_control_hook(None)

    def _hook(self, state: Any) -> None:
        if self.states and state.sim_step <= self.states[-1].sim_step:  # a reset: keep the last episode
            self.states.clear()
            self.actions_done.clear()
            self.frames.clear()
        self.states.append(state)
        self.actions_done.append(int(self.env.step_count))
        if self.camera is not None:
            self.frames.append(np.asarray(self.env.render_camera(self.camera)[0])[..., :3].astype(np.uint8))

    def joints(self) -> tuple[list[str], list[tuple[float, float]]]:
        """Names and (lower, upper) limits (rad) of the arm's joints; empty without an arm."""
        env = self.env
        names: list[str] = []
        limits: list[tuple[float, float]] = []
        if env.arm is not None:
            for j, lo, hi in zip(env.arm.arm_joints, env.arm.lower, env.arm.upper, strict=False):
                names.append(env.p.getJointInfo(env.arm.body, j, physicsClientId=env.client)[1].decode())
                limits.append((float(lo), float(hi)))
        return names, limits

    def members(self) -> dict[str, np.ndarray]:
        """The `control_*` arrays of an episode file (float32 SI units; one row per sample)."""
        n, (names, _) = len(self.states), self.joints()
        j = len(names)

        def arr(key: str) -> np.ndarray:
            return np.asarray([getattr(s, key) for s in self.states], dtype=np.float32).reshape(n, j)

        rows, cols = IMAGE_SIZE
        p = CONTROL_PREFIX
        return {
            f"{p}step": np.asarray([s.sim_step for s in self.states], dtype=np.int64),
            f"{p}actions_done": np.asarray(self.actions_done, dtype=np.int32),
            f"{p}joint_pos": arr("joint_positions"), f"{p}joint_vel": arr("joint_velocities"),
            f"{p}joint_target": arr("joint_targets"),
            f"{p}ee_pose": np.asarray([[*s.ee_pose[0], *s.ee_pose[1]] for s in self.states],
                                      dtype=np.float32).reshape(n, 7),
            f"{p}suction_on": np.asarray([s.suction_on for s in self.states], dtype=bool),
            f"{p}holding": np.asarray([s.holding for s in self.states], dtype=bool),
            f"{p}front": np.stack(self.frames) if self.frames else np.zeros((0, rows, cols, 3), np.uint8),
        }

    def meta(self) -> dict[str, Any]:
        """The episode meta's `control` entry: rate, robot, joints, sample count."""
        names, limits = self.joints()
        return {"hz": self.fps, "physics_hz": int(self.env.hz), "robot": str(self.env.robot),
                "joint_names": names, "joint_limits": [list(lim) for lim in limits],
                "samples": len(self.states), "images": bool(self.images)}

    def episode(self, task: str, seed: int, lang_goal: str, success: bool) -> ControlEpisode:
        """The samples as a `ControlEpisode`."""
        return control_episode(self.members(), self.meta(), task=task, seed=seed, lang_goal=lang_goal,
                               success=success)


def control_episode(members: dict[str, np.ndarray], meta: dict[str, Any], *, task: str, seed: int,
                    lang_goal: str, success: bool) -> ControlEpisode:
    """A `ControlEpisode` from the `control_*` arrays and the `control` meta of an episode."""
    p = CONTROL_PREFIX
    n = int(members[f"{p}step"].shape[0])
    rows, cols = IMAGE_SIZE
    images = members[f"{p}front"]
    return ControlEpisode(
        task=task, seed=seed, robot=str(meta["robot"]), fps=int(meta["hz"]), lang_goal=lang_goal,
        success=success, joint_names=[str(x) for x in meta["joint_names"]],
        joint_positions=members[f"{p}joint_pos"].astype(np.float64),
        joint_velocities=members[f"{p}joint_vel"].astype(np.float64),
        joint_targets=members[f"{p}joint_target"].astype(np.float64),
        ee_pose=members[f"{p}ee_pose"].astype(np.float64),
        suction_on=members[f"{p}suction_on"].astype(bool), holding=members[f"{p}holding"].astype(bool),
        time_s=members[f"{p}step"].astype(np.float64) / float(meta["physics_hz"]),
        images=images if len(images) else np.zeros((n, rows, cols, 3), np.uint8),
        joint_limits=[(float(lo), float(hi)) for lo, hi in meta["joint_limits"]],
    )


def check_control(members: dict[str, np.ndarray], meta: Any, robot: str) -> str | None:
    """Why the control stream of an episode is not what gensim records for `robot` (None: it is).

    Every array has one row per sample, steps increase by the sampling period, values are
    finite, joint positions within their limits (`JOINT_LIMIT_SLACK`), images `IMAGE_SIZE`.
    A floating end effector (`robot="none"`) records no stream.
    """
    p = CONTROL_PREFIX
    if robot == "none":
        return "a control stream in an episode made without a robot" if members or meta else None
    if not isinstance(meta, dict) or not members:
        return f"no control stream (made with --robot {robot}, one is required)"
    try:
        if meta.get("robot") != robot:
            return f"control stream of robot {meta.get('robot')!r}, dataset robot {robot!r}"
        n, hz, phys = int(meta["samples"]), int(meta["hz"]), int(meta["physics_hz"])
        names, limits = list(meta["joint_names"]), np.asarray(meta["joint_limits"], dtype=np.float64)
        j = len(names)
        if not 0 < hz <= phys or j > MAX_JOINTS or limits.shape != (j, 2):
            return "control meta out of range"
        shapes = {"step": (n,), "actions_done": (n,), "joint_pos": (n, j), "joint_vel": (n, j),
                  "joint_target": (n, j), "ee_pose": (n, 7), "suction_on": (n,), "holding": (n,)}
        for key, shape in shapes.items():
            if members[p + key].shape != shape:
                return f"{p}{key} has shape {members[p + key].shape}, expected {shape}"
        front = members[p + "front"]
        if front.shape not in {(n, *IMAGE_SIZE, 3), (0, *IMAGE_SIZE, 3)} or front.dtype != np.uint8:
            return f"{p}front has shape {front.shape}"
        period = int(round(phys / hz))
        steps = members[p + "step"]
        if n and (np.any(np.diff(steps) != period) or steps[0] < 1):
            return f"{p}step is not sampled every {period} physics steps"
        for key in ("joint_pos", "joint_vel", "joint_target", "ee_pose"):
            if not np.all(np.isfinite(members[p + key])):
                return f"{p}{key} holds non-finite values"
        q = members[p + "joint_pos"]
        if j and (np.any(q < limits[:, 0] - JOINT_LIMIT_SLACK) or np.any(q > limits[:, 1] + JOINT_LIMIT_SLACK)):
            return "joint positions outside the joint limits"
    except (KeyError, TypeError, ValueError) as err:
        return f"control stream malformed ({type(err).__name__}: {err})"[:200]
    return None


def control_bytes_limit(meta: dict[str, Any]) -> int:
    """What the `control_*` members of an episode with `meta["samples"]` samples decompress to at
    most (every array at its widest: `MAX_JOINTS` joints, 8-byte steps, one front image each)."""
    rows, cols = IMAGE_SIZE
    per_sample = 8 + 4 + 3 * 4 * MAX_JOINTS + 4 * 7 + 2 + rows * cols * 3
    return min(int(meta["samples"]), MAX_SAMPLES) * per_sample + NPY_HEADERS


def read_control(episode: Any, robot: str) -> tuple[dict[str, np.ndarray], str | None]:
    """The control stream of an `EpisodeFile` that may come from untrusted code, and why it is not
    what gensim records for `robot` (None: it is). The members are decompressed only when the
    sizes the file declares fit its sample count (`control_bytes_limit`): a deflate bomb in a
    control member is refused before it is read."""
    from gensim.data.format import EpisodeReadError

    meta = episode.meta.get("control")
    if robot == "none":
        return {}, "a control stream in an episode made without a robot" if meta or episode.has_control() else None
    if not isinstance(meta, dict) or not episode.has_control():
        return {}, f"no control stream (made with --robot {robot}, one is required)"
    try:
        if not 0 <= int(meta["samples"]) <= MAX_SAMPLES:
            return {}, f"control stream of {meta['samples']} samples (at most {MAX_SAMPLES})"
        members = episode.control(max_bytes=control_bytes_limit(meta))
    except (KeyError, TypeError, ValueError) as err:
        return {}, f"control meta malformed ({type(err).__name__})"
    except EpisodeReadError as err:
        return {}, str(err).split(" is unreadable (", 1)[-1].split("); `gensim", 1)[0]
    return members, check_control(members, meta, robot)


def record_control_episode(task_name: str, seed: int, *, robot: str = "panda", fps: int = CONTROL_HZ,
                           images: bool = True) -> ControlEpisode:
    """Run the expert of built-in task `task_name` with `seed` and sample it at `fps`."""
    from gensim.sim.environment import Environment
    from gensim.tasks.episode import run_episode
    from gensim.tasks.registry import builtin_specs, make_task

    if task_name not in {spec.name for spec in builtin_specs()}:  # task code runs in this process
        raise UsageError(f"control-rate recording runs built-in tasks only; '{task_name}' is not one")
    env = Environment(render_obs=False, robot=robot)
    try:
        task = make_task(task_name)
        with ControlSampler(env, fps, images) as sampler:
            result = run_episode(env, task, seed)
        return sampler.episode(task_name, seed, result.lang_goal, result.success)
    finally:
        env.close()


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _stats(values: np.ndarray, image: bool = False) -> dict[str, Any]:
    v = values.astype(np.float64)
    axes = (0, 1, 2) if image else (0,)
    doc = {"min": v.min(axis=axes), "max": v.max(axis=axes), "mean": v.mean(axis=axes), "std": v.std(axis=axes)}
    out: dict[str, Any] = {k: (np.asarray(x)[:, None, None] if image else np.asarray(x)).tolist()
                           for k, x in doc.items()}
    out["count"] = [int(v.shape[0])]
    return out


def export_control_lerobot(episodes: list[ControlEpisode], out: Path) -> dict[str, Any]:
    """Write `episodes` (same robot and fps) as a LeRobotDataset v3.0 under `out` (one data file)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not episodes:
        raise UsageError("no episodes to export")
    fps, robot = episodes[0].fps, episodes[0].robot
    if any(e.fps != fps or e.robot != robot for e in episodes):
        raise UsageError("episodes to export must share the robot and the control rate")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"export folder {out} exists and is not empty")
    (out / "meta" / "episodes" / "chunk-000").mkdir(parents=True, exist_ok=True)
    (out / "data" / "chunk-000").mkdir(parents=True, exist_ok=True)
    first = episodes[0]
    rows, cols = IMAGE_SIZE
    feats: dict[str, dict[str, Any]] = {
        "observation.state": {"dtype": "float32", "shape": [len(first.state_names())], "names": first.state_names()},
        "action": {"dtype": "float32", "shape": [len(first.action_names())], "names": first.action_names()},
        "observation.images.front": {"dtype": "image", "shape": [rows, cols, 3],
                                     "names": ["height", "width", "channels"]},
    }
    for key, dtype in (("timestamp", "float32"), ("frame_index", "int64"), ("episode_index", "int64"),
                       ("index", "int64"), ("task_index", "int64"), ("next.done", "bool")):
        feats[key] = {"dtype": dtype, "shape": [1], "names": None}
    schema = pa.schema([
        ("observation.state", pa.list_(pa.float32())), ("action", pa.list_(pa.float32())),
        ("observation.images.front", pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
        ("timestamp", pa.float32()), ("frame_index", pa.int64()), ("episode_index", pa.int64()),
        ("index", pa.int64()), ("task_index", pa.int64()), ("next.done", pa.bool_()),
    ])
    tasks: dict[str, int] = {}
    episode_rows: list[dict[str, Any]] = []
    states, actions, images = [], [], []
    start = 0
    writer = pq.ParquetWriter(out / "data/chunk-000/file-000.parquet", schema, compression="zstd")
    for index, ep in enumerate(episodes):
        n = len(ep)
        task_index = tasks.setdefault(ep.lang_goal, len(tasks))
        state, action = ep.state(), ep.action()
        table = {
            "observation.state": state.tolist(), "action": action.tolist(),
            "observation.images.front": [{"bytes": _png(im), "path": None} for im in ep.images],
            "timestamp": (np.arange(n, dtype=np.float64) / fps).astype(np.float32).tolist(),
            "frame_index": list(range(n)), "episode_index": [index] * n, "index": list(range(start, start + n)),
            "task_index": [task_index] * n, "next.done": (np.arange(n) == n - 1).tolist(),
        }
        writer.write_table(pa.Table.from_pydict(table, schema=schema))
        row: dict[str, Any] = {
            "episode_index": index, "tasks": [ep.lang_goal], "length": n, "data/chunk_index": 0,
            "data/file_index": 0, "dataset_from_index": start, "dataset_to_index": start + n,
            "meta/episodes/chunk_index": 0, "meta/episodes/file_index": 0, "seed": ep.seed, "success": ep.success,
        }
        for key, values, image in (("observation.state", state, False), ("action", action, False),
                                   ("observation.images.front", ep.images / 255.0, True)):
            for stat, value in _stats(values, image).items():
                row[f"stats/{key}/{stat}"] = value
        episode_rows.append(row)
        states.append(state)
        actions.append(action)
        images.append(ep.images / 255.0)
        start += n
    writer.close()
    pq.write_table(pa.Table.from_pylist(episode_rows), out / "meta/episodes/chunk-000/file-000.parquet")
    pd.DataFrame({"task_index": list(tasks.values())}, index=pd.Index(list(tasks), name="task")).to_parquet(
        out / "meta/tasks.parquet")
    stats = {"observation.state": _stats(np.concatenate(states)), "action": _stats(np.concatenate(actions)),
             "observation.images.front": _stats(np.concatenate(images), image=True)}
    info = {
        "codebase_version": CODEBASE_VERSION, "robot_type": f"gensim-{robot}", "total_episodes": len(episodes),
        "total_frames": start, "total_tasks": len(tasks), "chunks_size": 1000, "data_files_size_in_mb": 100,
        "video_files_size_in_mb": 200, "fps": fps, "splits": {"train": f"0:{len(episodes)}"},
        "data_path": "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet", "video_path": None,
        "features": feats,
        "gensim": {"control_hz": fps, "robot": robot,
                   "joint_limits": {n: list(lim) for n, lim in zip(first.joint_names, first.joint_limits,
                                                                      strict=False)}},
    }
    (out / "meta" / "info.json").write_text(json.dumps(info, indent=4))
    (out / "meta" / "stats.json").write_text(json.dumps(stats, indent=2))
    return {"path": str(out.resolve()), "episodes": len(episodes), "frames": start, "fps": fps,
            "bytes": sum(f.stat().st_size for f in out.rglob("*") if f.is_file())}


def export_dataset_control(source: Path, out: Path) -> dict[str, Any]:
    """Write the control streams stored in the episode files of dataset folder `source` (made
    with `gensim demos make --robot panda`) as a LeRobotDataset v3.0 under `out`.

    The dataset is verified first (every file against its recorded sha256, so a corrupted
    stream is named before anything is written), and each stream is checked again
    (`check_control`) as it is read.
    """
    from gensim.data.catalog import dataset_robot
    from gensim.data.reader import DemoReader

    reader = DemoReader(source, verify=True)
    robot = dataset_robot(reader.header)
    if robot == "none":
        raise UsageError(f"dataset {source} was made without a robot (--robot none): it holds no "
                         "control-rate stream; make one with `gensim demos make NAME --robot panda`")
    if len(reader) == 0:
        raise UsageError(f"dataset {source} has no episodes to export")
    episodes = []
    for index in range(len(reader)):
        episode = reader.episode(index)
        try:
            meta = episode.meta
            members, why = read_control(episode, robot)
            if why is not None:
                raise UsageError(f"{reader.paths[index]}: {why}; `gensim demos verify {source}` checks it")
            episodes.append(control_episode(members, meta["control"], task=str(meta.get("task", reader.task)),
                                            seed=int(meta["seed"]), lang_goal=str(meta.get("lang_goal", "")),
                                            success=bool(meta.get("success", True))))
        finally:
            episode.close()
    return export_control_lerobot(episodes, out)
