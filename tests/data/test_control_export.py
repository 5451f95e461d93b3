"""Control-rate arm data (`gensim.data.control`): one expert episode with the Panda, exported as
LeRobot v3.0 and read back with pyarrow against the documented schema (and with LeRobot's own
`LeRobotDataset` when the `lerobot` package is installed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest


@pytest.fixture(scope="module")
def arm_episode() -> Any:
    from gensim.data.control import record_control_episode

    return record_control_episode("place-red-in-green", 0, robot="panda")


def test_arm_episode_is_sampled_at_the_control_rate(arm_episode: Any) -> None:
    from gensim.data.control import CONTROL_HZ

    ep = arm_episode
    n = len(ep)
    assert n > 10 and ep.success
    assert ep.joint_positions.shape == ep.joint_velocities.shape == ep.joint_targets.shape == (n, 7)
    assert ep.images.shape[0] == n and ep.images.dtype == np.uint8
    assert np.allclose(np.diff(ep.time_s), 1.0 / CONTROL_HZ)
    lo, hi = np.array(ep.joint_limits).T
    assert np.all(ep.joint_positions >= lo - 1e-3) and np.all(ep.joint_positions <= hi + 1e-3)
    assert ep.suction_on.any() and ep.holding.any()


def test_lerobot_export_reads_back_with_the_documented_schema(arm_episode: Any, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from gensim.data.control import export_control_lerobot

    out = tmp_path / "lerobot"
    summary = export_control_lerobot([arm_episode, arm_episode], out)
    info = json.loads((out / "meta/info.json").read_text())
    assert info["codebase_version"] == "v3.0" and info["fps"] == 20
    n = len(arm_episode)
    assert info["total_frames"] == summary["frames"] == 2 * n
    data = pq.read_table(out / "data/chunk-000/file-000.parquet").to_pydict()
    for key, feat in info["features"].items():
        assert len(data[key]) == 2 * n, key
        if feat["dtype"] == "float32" and key != "timestamp":
            assert all(len(v) == feat["shape"][0] for v in data[key])
    assert data["index"] == list(range(2 * n))
    assert data["episode_index"] == [0] * n + [1] * n
    assert data["frame_index"] == list(range(n)) * 2
    ts = np.array(data["timestamp"][:n])
    assert np.allclose(np.diff(ts), 1 / info["fps"], atol=1e-5) and ts[0] == 0
    names = info["features"]["observation.state"]["names"]
    state = np.array(data["observation.state"])
    for name, (lo, hi) in info["gensim"]["joint_limits"].items():
        q = state[:, names.index(f"{name}.pos")]
        assert np.all(q >= lo - 1e-3) and np.all(q <= hi + 1e-3), name
    episodes = pq.read_table(out / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert [(e["dataset_from_index"], e["dataset_to_index"]) for e in episodes] == [(0, n), (n, 2 * n)]
    tasks = pq.read_table(out / "meta/tasks.parquet").to_pandas()
    assert list(tasks["task_index"]) == [0]
    stats = json.loads((out / "meta/stats.json").read_text())
    assert len(stats["observation.state"]["mean"]) == len(names)
    assert np.array(stats["observation.images.front"]["mean"]).shape == (3, 1, 1)
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(data["observation.images.front"][0]["bytes"])).size == (128, 96)


def test_lerobot_dataset_class_loads_the_export(arm_episode: Any, tmp_path: Path) -> None:
    """Optional cross-check with LeRobot's own loader (skipped when lerobot is not installed)."""
    lerobot_dataset = pytest.importorskip("lerobot.datasets.lerobot_dataset")
    from gensim.data.control import export_control_lerobot

    out = tmp_path / "lerobot"
    export_control_lerobot([arm_episode], out)
    ds = lerobot_dataset.LeRobotDataset("gensim/test", root=out)
    assert len(ds) == len(arm_episode)
    assert tuple(ds[0]["observation.state"].shape) == (7 + 7 + 7 + 2,)


@pytest.mark.parametrize("args", [["nosuch-task"], ["place-red-in-green", "--robot", "ur5"]])
def test_demos_control_refuses_bad_input_in_one_line(args: list[str], tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "GENSIM_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "gensim.cli.main", "demos", "control", *args, "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:") and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
