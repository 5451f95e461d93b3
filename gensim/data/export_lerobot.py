"""Export a dataset folder to the LeRobotDataset v3.0 layout (parquet + JSON, images embedded).

Written layout (docs/dataset-format.md has the feature table):

    meta/info.json                          codebase_version "v3.0", fps, features, paths
    meta/stats.json                         min / max / mean / std / count per feature
    meta/tasks.parquet                      one row per language goal: index "task", task_index
    meta/episodes/chunk-000/file-000.parquet  per episode: index, tasks, length, file and
                                            frame ranges, per-episode stats of numeric features
    data/chunk-000/file-NNN.parquet         one row per action ("frame")

One frame per expert action (fps 1: a frame is an action, not a time step); the observation
after the last action is not exported. Colour images are PNG bytes in an image column
(`struct<bytes, path>`, the encoding of Hugging Face `datasets.Image`); the height map is a
float32 (320, 160) array column.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from gensim.checking.conventions import SUCCESS_REWARD
from gensim.data.reader import DemoReader
from gensim.errors import UsageError

CODEBASE_VERSION = "v3.0"
FPS = 1
CHUNK_SIZE = 1000  # files per chunk folder (LeRobot's default)
EPISODES_PER_FILE = 200  # data file granularity (keeps files well under LeRobot's 100 MB)
POSE_NAMES = [f"{p}_{c}" for p in ("pick", "place") for c in ("x", "y", "z", "qx", "qy", "qz", "qw")]


def features() -> dict[str, dict[str, Any]]:
    """The `features` block of info.json."""
    def scalar(dtype: str) -> dict[str, Any]:
        return {"dtype": dtype, "shape": [1], "names": None}

    return {
        "observation.images.color": {"dtype": "image", "shape": [320, 160, 3],
                                     "names": ["height", "width", "channels"]},
        "observation.height": {"dtype": "float32", "shape": [320, 160], "names": ["rows", "cols"]},
        "action": {"dtype": "float32", "shape": [14], "names": POSE_NAMES},
        "action.pick_uv": {"dtype": "int64", "shape": [2], "names": ["u", "v"]},
        "action.place_uv": {"dtype": "int64", "shape": [2], "names": ["u", "v"]},
        "action.place_theta": scalar("float32"),
        "next.reward": scalar("float32"),
        "next.done": scalar("bool"),
        "next.success": scalar("bool"),
        "timestamp": scalar("float32"),
        "frame_index": scalar("int64"),
        "episode_index": scalar("int64"),
        "index": scalar("int64"),
        "task_index": scalar("int64"),
    }


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _channel_first(values: Any) -> Any:
    """(3,) per-channel statistics as (3, 1, 1), the shape LeRobot keeps for images."""
    return [[[v]] for v in values]


def _stats(values: np.ndarray, axes: tuple[int, ...], image: bool = False) -> dict[str, Any]:
    values = values.astype(np.float64)
    doc = {"min": values.min(axis=axes).tolist(), "max": values.max(axis=axes).tolist(),
           "mean": values.mean(axis=axes).tolist(), "std": values.std(axis=axes).tolist()}
    if image:
        doc = {k: _channel_first(v) for k, v in doc.items()}
    return {**doc, "count": [int(values.shape[0])]}


class _Stats:
    """Running sums per feature (exact mean/std over all frames, without holding them)."""

    def __init__(self) -> None:
        self.sums: dict[str, dict[str, Any]] = {}

    def add(self, key: str, values: np.ndarray, axes: tuple[int, ...]) -> None:
        v = values.astype(np.float64)
        n = int(np.prod([v.shape[a] for a in axes]))
        doc = {"min": v.min(axis=axes), "max": v.max(axis=axes), "s1": v.sum(axis=axes),
               "s2": (v * v).sum(axis=axes), "n": n, "frames": v.shape[0]}
        old = self.sums.get(key)
        if old is not None:
            doc = {"min": np.minimum(old["min"], doc["min"]), "max": np.maximum(old["max"], doc["max"]),
                   "s1": old["s1"] + doc["s1"], "s2": old["s2"] + doc["s2"], "n": old["n"] + n,
                   "frames": old["frames"] + doc["frames"]}
        self.sums[key] = doc

    def to_json(self) -> dict[str, Any]:
        out = {}
        for key, s in self.sums.items():
            mean = s["s1"] / s["n"]
            std = np.sqrt(np.maximum(s["s2"] / s["n"] - mean * mean, 0.0))
            out[key] = {"min": np.asarray(s["min"]).tolist(), "max": np.asarray(s["max"]).tolist(),
                        "mean": np.asarray(mean).tolist(), "std": np.asarray(std).tolist(),
                        "count": [int(s["frames"])]}
            if key.startswith("observation.images."):
                out[key] = {k: (v if k == "count" else _channel_first(v)) for k, v in out[key].items()}
        return out


def _episode_frames(reader: DemoReader, index: int, start: int, tasks: dict[str, int],
                    stats: _Stats) -> tuple[dict[str, list[Any]], dict[str, Any]]:
    episode = reader.episode(index)
    steps = episode.steps
    colors = [episode.color(t) for t in range(steps)]
    heights = np.stack([episode.height(t) for t in range(steps)])
    for goal in episode.lang[:steps]:
        tasks.setdefault(goal, len(tasks))
    action = np.concatenate([episode.pose0, episode.pose1], axis=1).astype(np.float32)
    reward = episode.reward.astype(np.float32)
    done = np.arange(steps) == steps - 1
    cols: dict[str, list[Any]] = {
        "observation.images.color": [{"bytes": _png(c), "path": None} for c in colors],
        "observation.height": [h.tolist() for h in heights],
        "action": action.tolist(),
        "action.pick_uv": episode.labels["pick_uv"].astype(np.int64).tolist(),
        "action.place_uv": episode.labels["place_uv"].astype(np.int64).tolist(),
        "action.place_theta": episode.labels["place_theta"].astype(np.float32).tolist(),
        "next.reward": reward.tolist(),
        "next.done": done.tolist(),
        "next.success": (done & (float(reward.sum()) > SUCCESS_REWARD)).tolist(),
        "timestamp": (np.arange(steps, dtype=np.float32) / FPS).tolist(),
        "frame_index": list(range(steps)),
        "episode_index": [index] * steps,
        "index": list(range(start, start + steps)),
        "task_index": [tasks[g] for g in episode.lang[:steps]],
    }
    per_episode = {
        "observation.images.color": _stats(np.stack(colors) / 255.0, (0, 1, 2), image=True),
        "action": _stats(action, (0,)), "next.reward": _stats(reward[:, None], (0,)),
    }
    stats.add("observation.images.color", np.stack(colors) / 255.0, (0, 1, 2))
    stats.add("observation.height", heights.reshape(steps, -1, 1), (0, 1))
    for key in ("action", "action.pick_uv", "action.place_uv"):
        stats.add(key, np.asarray(cols[key], dtype=np.float64), (0,))
    for key in ("action.place_theta", "next.reward", "timestamp", "frame_index", "episode_index",
                "index", "task_index"):
        stats.add(key, np.asarray(cols[key], dtype=np.float64)[:, None], (0,))
    meta = {"tasks": list(dict.fromkeys(episode.lang[:steps])), "length": steps,
            "seed": int(episode.meta["seed"]), "stats": per_episode}
    episode.close()
    return cols, meta


def _data_schema() -> Any:
    import pyarrow as pa

    return pa.schema([
        ("observation.images.color", pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
        ("observation.height", pa.list_(pa.list_(pa.float32()))),
        ("action", pa.list_(pa.float32())),
        ("action.pick_uv", pa.list_(pa.int64())),
        ("action.place_uv", pa.list_(pa.int64())),
        ("action.place_theta", pa.float32()),
        ("next.reward", pa.float32()),
        ("next.done", pa.bool_()),
        ("next.success", pa.bool_()),
        ("timestamp", pa.float32()),
        ("frame_index", pa.int64()),
        ("episode_index", pa.int64()),
        ("index", pa.int64()),
        ("task_index", pa.int64()),
    ])


def _prepare(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"export folder {out} exists and is not empty")
    (out / "meta" / "episodes" / "chunk-000").mkdir(parents=True, exist_ok=True)


def export_lerobot(source: Path, out: Path, *, episodes_per_file: int = EPISODES_PER_FILE) -> dict[str, Any]:
    """Write the dataset folder `source` as a LeRobotDataset v3.0 under `out`; returns a summary
    (`path`, `episodes`, `frames`, `tasks`, `files`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    reader = DemoReader(source, verify=True)  # bad episodes named before anything is written
    if len(reader) == 0:
        raise UsageError(f"dataset {source} has no episodes to export")
    out = Path(out)
    _prepare(out)
    schema = _data_schema()
    tasks: dict[str, int] = {}
    stats = _Stats()
    episode_rows: list[dict[str, Any]] = []
    frames = 0
    writer: Any = None
    files: list[str] = []
    for index in range(len(reader)):
        file_index = index // episodes_per_file
        chunk, file_in_chunk = divmod(file_index, CHUNK_SIZE)
        if index % episodes_per_file == 0:
            if writer is not None:
                writer.close()
            rel = f"data/chunk-{chunk:03d}/file-{file_in_chunk:03d}.parquet"
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(out / rel, schema, compression="zstd")
            files.append(rel)
        cols, meta = _episode_frames(reader, index, frames, tasks, stats)
        writer.write_table(pa.Table.from_pydict(cols, schema=schema))
        row = {"episode_index": index, "tasks": meta["tasks"], "length": meta["length"],
               "data/chunk_index": chunk, "data/file_index": file_in_chunk,
               "dataset_from_index": frames, "dataset_to_index": frames + meta["length"],
               "meta/episodes/chunk_index": 0, "meta/episodes/file_index": 0, "seed": meta["seed"]}
        for feature, values in meta["stats"].items():
            for stat, value in values.items():
                row[f"stats/{feature}/{stat}"] = value
        episode_rows.append(row)
        frames += meta["length"]
    if writer is not None:
        writer.close()
    pq.write_table(pa.Table.from_pylist(episode_rows), out / "meta/episodes/chunk-000/file-000.parquet")
    import pandas as pd

    pd.DataFrame({"task_index": list(tasks.values())}, index=pd.Index(list(tasks), name="task")).to_parquet(
        out / "meta/tasks.parquet")
    info = {
        "codebase_version": CODEBASE_VERSION, "robot_type": "gensim-suction", "total_episodes": len(reader),
        "total_frames": frames, "total_tasks": len(tasks), "chunks_size": CHUNK_SIZE,
        "data_files_size_in_mb": 100, "video_files_size_in_mb": 200, "fps": FPS,
        "splits": {str(reader.header.get("split", "train")): f"0:{len(reader)}"},
        "data_path": "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet",
        "video_path": None, "features": features(),
        "gensim": {k: reader.header.get(k) for k in ("task", "version", "version_id", "code_hash", "split")},
    }
    (out / "meta" / "info.json").write_text(json.dumps(info, indent=4))
    (out / "meta" / "stats.json").write_text(json.dumps(stats.to_json(), indent=2))
    return {"path": str(out.resolve()), "episodes": len(reader), "frames": frames,
            "tasks": len(tasks), "files": files, "format": f"lerobot {CODEBASE_VERSION}"}
