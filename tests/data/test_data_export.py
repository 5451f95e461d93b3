"""LeRobot v3.0 export: the layout, and pyarrow reads back exactly what the dataset holds."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from gensim.data.export_lerobot import export_lerobot
from gensim.data.reader import DemoReader
from gensim.errors import UsageError


def test_export_reads_back_with_pyarrow(pyramid_dir: Path, insertion_dir: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    from PIL import Image

    out = tmp_path / "lerobot"
    summary = export_lerobot(pyramid_dir, out)
    reader = DemoReader(pyramid_dir)
    episode = reader.episode(0)
    assert summary["episodes"] == 1 and summary["frames"] == episode.steps == 6

    info = json.loads((out / "meta" / "info.json").read_text())
    assert info["codebase_version"] == "v3.0" and info["total_frames"] == 6
    assert info["data_path"].format(chunk_index=0, file_index=0) == "data/chunk-000/file-000.parquet"
    assert info["features"]["observation.images.color"]["dtype"] == "image"
    for key in ("timestamp", "frame_index", "episode_index", "index", "task_index"):
        assert key in info["features"]

    table = pq.read_table(out / "data" / "chunk-000" / "file-000.parquet").to_pylist()
    tasks = pq.read_table(out / "meta" / "tasks.parquet").to_pandas()
    assert len(table) == 6 and len(tasks) == info["total_tasks"] == 6
    for t, row in enumerate(table):
        png = Image.open(io.BytesIO(row["observation.images.color"]["bytes"]))
        np.testing.assert_array_equal(np.asarray(png), episode.color(t))
        np.testing.assert_array_equal(np.asarray(row["observation.height"], np.float32), episode.height(t))
        np.testing.assert_array_equal(np.asarray(row["action"], np.float32),
                                      np.concatenate([episode.pose0[t], episode.pose1[t]]))
        assert row["action.pick_uv"] == episode.labels["pick_uv"][t].tolist()
        assert row["next.reward"] == pytest.approx(float(episode.reward[t]))
        assert (row["frame_index"], row["index"], row["episode_index"]) == (t, t, 0)
        assert tasks.index[tasks["task_index"] == row["task_index"]][0] == episode.lang[t]
    assert table[-1]["next.done"] and table[-1]["next.success"] and not table[0]["next.done"]

    episodes = pq.read_table(out / "meta" / "episodes" / "chunk-000" / "file-000.parquet").to_pylist()
    assert episodes[0]["length"] == 6 and episodes[0]["dataset_to_index"] == 6
    assert episodes[0]["tasks"] == episode.lang[:6]
    stats = json.loads((out / "meta" / "stats.json").read_text())
    assert stats["next.reward"]["count"] == [6]
    assert stats["action"]["max"][0] == pytest.approx(float(np.concatenate([episode.pose0, episode.pose1], 1)[:, 0].max()))
    assert np.asarray(stats["observation.images.color"]["mean"]).shape == (3, 1, 1)

    with pytest.raises(UsageError, match="not empty"):
        export_lerobot(insertion_dir, out)
    many = export_lerobot(insertion_dir, tmp_path / "two", episodes_per_file=1)
    assert many["files"] == ["data/chunk-000/file-000.parquet", "data/chunk-000/file-001.parquet"]
    rows = pq.read_table(tmp_path / "two" / "meta" / "episodes" / "chunk-000" / "file-000.parquet").to_pylist()
    assert [(r["data/file_index"], r["dataset_from_index"]) for r in rows] == [(0, 0), (1, 1)]
