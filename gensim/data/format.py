"""The on-disk episode format (see docs/dataset-format.md): one compressed `.npz` per episode.

An episode of T actions holds T+1 observations (the last one follows the last action) and, per
step member names with a zero-padded index (`color_000`, `height_000`, ...), so that reading
one step decompresses only that step. Everything else is small arrays over the T actions and
one JSON document (`meta`). No pickles: `numpy.load(..., allow_pickle=False)` reads it all.
An episode's bytes are a pure function of its content (fixed zip timestamps, no timings inside),
so the same task version and seed give the same file, and `gensim demos verify --repair` can
restore a lost episode to its recorded checksum.

Labels: `pick_uv` / `place_uv` are heightmap pixels (row u along y, column v along x) of the
pick and place positions; `place_theta` is the place yaw relative to the pick yaw (radians,
counter-clockwise about +z, in [0, 2*pi)) and `place_theta_bin` its index among `THETA_BINS`.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from gensim.data.splits import SPLITS as SPLITS  # named there, light to import; re-exported
from gensim.data.splits import split_seeds
from gensim.errors import GensimError, UsageError
from gensim.sim.constants import BOUNDS, IMAGE_SHAPE, PIX_SIZE

FORMAT_VERSION = 1
CONTROL_PREFIX = "control_"  # members of the control-rate stream (gensim.data.control)
THETA_BINS = 36  # place-rotation classes (10 degrees each)
EPISODE_GLOB = "ep-*.npz"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # every member's timestamp: equal content, equal bytes
# What reading a damaged episode file raises (zip structure, deflate stream, npy header, JSON).
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, OSError)


class EpisodeReadError(GensimError):
    """An episode file that cannot be read (missing, truncated or corrupted); names the file."""

    def __init__(self, path: Path | str, err: BaseException | str) -> None:
        reason = err if isinstance(err, str) else f"{type(err).__name__}: {err}"
        reason = " ".join(str(reason).split())[:200]
        dataset = Path(path).parent.parent
        super().__init__(f"episode file {path} is unreadable ({reason}); `gensim demos verify "
                         f"{dataset} --repair` finds and regenerates bad episodes")
        self.path = Path(path)


def seed_at(split: str, index: int) -> int:
    """The `index`-th seed (0-based) of `split` by the convention."""
    first, stride = split_seeds(split)
    return first + stride * index


def seed_index(split: str, seed: int) -> int:
    """The position of `seed` in its split's sequence (inverse of `seed_at`)."""
    first, stride = split_seeds(split)
    if seed < first or (seed - first) % stride:
        raise UsageError(f"seed {seed} is not a {split} seed")
    return (seed - first) // stride


def episode_filename(seed: int) -> str:
    """The file name of the episode of `seed` (sorted order is seed order)."""
    return f"ep-{seed:06d}.npz"


def yaw_of(quat_xyzw: Sequence[float]) -> float:
    """Rotation about +z (radians) of a quaternion (x, y, z, w)."""
    x, y, z, w = (float(q) for q in quat_xyzw)
    return math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))


def xyz_to_uv(xyz: Sequence[float]) -> tuple[int, int]:
    """World xyz to top-down pixel (u, v), clipped into the image."""
    u = int(round((float(xyz[1]) - BOUNDS[1][0]) / PIX_SIZE))
    v = int(round((float(xyz[0]) - BOUNDS[0][0]) / PIX_SIZE))
    return min(max(u, 0), IMAGE_SHAPE[0] - 1), min(max(v, 0), IMAGE_SHAPE[1] - 1)


def theta_bin(theta: float, bins: int = THETA_BINS) -> int:
    """The class of an angle (radians) among `bins` equal sectors centred on 0, 2pi/bins, ..."""
    return int(round((theta % (2 * math.pi)) / (2 * math.pi / bins))) % bins


def place_theta(pose0: Sequence[Any], pose1: Sequence[Any]) -> float:
    """Place yaw relative to pick yaw, in [0, 2*pi)."""
    return (yaw_of(pose1[1]) - yaw_of(pose0[1])) % (2 * math.pi)


@dataclass
class Episode:
    """One expert episode in memory (what a worker records and a reader returns)."""

    color: list[np.ndarray]  # T+1 of uint8 (320, 160, 3)
    height: list[np.ndarray]  # T+1 of float32 (320, 160), metres above the table
    pose0: np.ndarray  # float32 (T, 7): pick xyz + quaternion xyzw
    pose1: np.ndarray  # float32 (T, 7): place xyz + quaternion xyzw
    reward: np.ndarray  # float32 (T,): reward after each action
    lang: list[str]  # T+1 language goals (the instruction shown with each observation)
    meta: dict[str, Any] = field(default_factory=dict)
    views: list[list[tuple[np.ndarray, np.ndarray]]] | None = None  # T+1 x 3 x (rgb, depth)
    control: dict[str, np.ndarray] | None = None  # `control_*` arrays (gensim.data.control), with a robot

    @property
    def steps(self) -> int:
        """Number of actions."""
        return len(self.pose0)

    def labels(self) -> dict[str, np.ndarray]:
        """Pixel and rotation labels of every action (see the module docstring)."""
        pick = np.array([xyz_to_uv(p[:3]) for p in self.pose0], dtype=np.int16).reshape(-1, 2)
        place = np.array([xyz_to_uv(p[:3]) for p in self.pose1], dtype=np.int16).reshape(-1, 2)
        theta = np.array([place_theta((a[:3], a[3:]), (b[:3], b[3:]))
                          for a, b in zip(self.pose0, self.pose1, strict=True)], dtype=np.float32)
        bins = np.array([theta_bin(t) for t in theta], dtype=np.int16)
        return {"pick_uv": pick, "place_uv": place, "place_theta": theta, "place_theta_bin": bins}


def encode(episode: Episode) -> bytes:
    """The episode as the bytes of a compressed `.npz` file."""
    arrays: dict[str, np.ndarray] = {
        "pose0": np.asarray(episode.pose0, dtype=np.float32).reshape(-1, 7),
        "pose1": np.asarray(episode.pose1, dtype=np.float32).reshape(-1, 7),
        "reward": np.asarray(episode.reward, dtype=np.float32),
        "lang": np.asarray(episode.lang, dtype=np.str_),
        "meta": np.asarray(json.dumps({**episode.meta, "format": FORMAT_VERSION}, sort_keys=True)),
        **episode.labels(),
    }
    for key, value in (episode.control or {}).items():
        if not key.startswith(CONTROL_PREFIX):
            raise ValueError(f"control member {key!r} lacks the prefix {CONTROL_PREFIX!r}")
        arrays[key] = np.asarray(value)
    for t, (color, height) in enumerate(zip(episode.color, episode.height, strict=True)):
        arrays[f"color_{t:03d}"] = np.asarray(color, dtype=np.uint8)
        arrays[f"height_{t:03d}"] = np.asarray(height, dtype=np.float32)
    for t, views in enumerate(episode.views or []):
        for k, (rgb, depth) in enumerate(views):
            arrays[f"view{k}_color_{t:03d}"] = np.asarray(rgb, dtype=np.uint8)
            arrays[f"view{k}_depth_{t:03d}"] = np.asarray(depth, dtype=np.float32)
    buffer = io.BytesIO()
    # The layout of `numpy.savez_compressed`, with fixed member timestamps (numpy stamps the
    # current time, which would make every encoding of the same episode different).
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and `os.replace` (never a half file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:  # an interrupt mid-write (the fsync can take a while) leaves no temp file
        tmp.unlink(missing_ok=True)
        raise


class EpisodeFile:
    """Lazy reader of one episode file: each member is decompressed on first use only.

    Reading a damaged file raises `EpisodeReadError` naming it (never a bare zip error).
    """

    def __init__(self, source: Path | bytes) -> None:
        self.path = None if isinstance(source, bytes) else Path(source)
        try:
            self._npz = np.load(io.BytesIO(source) if isinstance(source, bytes) else source,
                                allow_pickle=False)
        except READ_ERRORS as err:
            raise EpisodeReadError(self.path or "<bytes>", err) from None

    def _get(self, key: str) -> np.ndarray:
        try:
            return self._npz[key]
        except READ_ERRORS as err:
            raise EpisodeReadError(self.path or "<bytes>", err) from None

    @cached_property
    def meta(self) -> dict[str, Any]:
        try:
            return dict(json.loads(str(self._get("meta"))))
        except json.JSONDecodeError as err:
            raise EpisodeReadError(self.path or "<bytes>", err) from None

    @cached_property
    def pose0(self) -> np.ndarray:
        return self._get("pose0")

    @cached_property
    def pose1(self) -> np.ndarray:
        return self._get("pose1")

    @cached_property
    def reward(self) -> np.ndarray:
        return self._get("reward")

    @cached_property
    def lang(self) -> list[str]:
        return [str(s) for s in self._get("lang")]

    @cached_property
    def labels(self) -> dict[str, np.ndarray]:
        return {k: self._get(k) for k in ("pick_uv", "place_uv", "place_theta", "place_theta_bin")}

    @property
    def steps(self) -> int:
        """Number of actions (the file holds one more observation)."""
        return len(self.pose0)

    def color(self, t: int) -> np.ndarray:
        """uint8 (320, 160, 3) top-down colour of observation `t`."""
        return self._get(f"color_{t:03d}")

    def height(self, t: int) -> np.ndarray:
        """float32 (320, 160) height map (m) of observation `t`."""
        return self._get(f"height_{t:03d}")

    def has_views(self) -> bool:
        return "view0_color_000" in self._npz.files

    def has_control(self) -> bool:
        """Whether the file holds a control-rate stream (episodes made with `--robot`)."""
        return f"{CONTROL_PREFIX}step" in self._npz.files

    def control(self, max_bytes: int | None = None) -> dict[str, np.ndarray]:
        """The `control_*` arrays (empty when the file has none); see `gensim.data.control`.

        `max_bytes` bounds what they may decompress to (the sizes the zip directory declares,
        which also cap what is read): more raises `EpisodeReadError` before anything is read.
        """
        keys = [key for key in self._npz.files if key.startswith(CONTROL_PREFIX)]
        if max_bytes is not None:
            size = sum(self._npz.zip.getinfo(f"{key}.npy").file_size for key in keys)
            if size > max_bytes:
                raise EpisodeReadError(self.path or "<bytes>", f"control stream of {size} bytes, "
                                       f"more than the {max_bytes} its sample count allows")
        return {key: self._get(key) for key in keys}

    def close(self) -> None:
        self._npz.close()

    def to_episode(self) -> Episode:
        """Everything in memory (views included when stored)."""
        n = self.steps + 1
        views = None
        if self.has_views():
            views = [[(self._get(f"view{k}_color_{t:03d}"), self._get(f"view{k}_depth_{t:03d}"))
                      for k in range(3)] for t in range(n)]
        return Episode(color=[self.color(t) for t in range(n)], height=[self.height(t) for t in range(n)],
                       pose0=self.pose0, pose1=self.pose1, reward=self.reward, lang=list(self.lang),
                       meta=dict(self.meta), views=views, control=self.control() or None)


def read_meta_json(path: Path) -> dict[str, Any]:
    """Only the `meta` member of an episode file (cheap: no image is decompressed)."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("meta.npy") as member:
            return dict(json.loads(str(np.lib.format.read_array(member, allow_pickle=False))))
    except (*READ_ERRORS, json.JSONDecodeError) as err:
        raise EpisodeReadError(path, err) from None


def check_readable(path: Path) -> str | None:
    """None when every member of the episode file decompresses with a correct CRC, else why not."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad is not None:
                return f"member {bad} fails its CRC check"
            if "meta.npy" not in archive.namelist():
                return "no meta member"
    except READ_ERRORS as err:
        return " ".join(f"{type(err).__name__}: {err}".split())[:200]
    return None

