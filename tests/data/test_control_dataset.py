"""Datasets made with an arm (`gensim demos make NAME --robot panda`): the 20 Hz control stream
inside our episode files (covered by the manifest's sha256 and `demos verify`), the robot pinned
in the header and manifest, and the LeRobot control-rate export read from those files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from gensim.cli.main import app
from gensim.data.control import CONTROL_HZ, check_control, export_dataset_control
from gensim.data.format import EpisodeFile, encode
from gensim.data.manifest import read_manifest
from gensim.data.verify import verify_dataset
from gensim.data.worker import run_seeds
from gensim.data.writer import DatasetWriter

HEADER = {"task": "block-insertion", "version": 1, "version_id": 0, "code_hash": "test", "origin": "builtin",
          "format": 1, "split": "train"}
JOB = {"task": "block-insertion", "entry_point": "gensim.tasks.builtin.block_insertion:BlockInsertion",
       "code": None, "origin": "builtin", "split": "train", "views": False}


@pytest.fixture(scope="module")
def arm_outcome() -> dict[str, Any]:
    """One block-insertion episode played with the Panda in this process (seed 0)."""
    [outcome] = run_seeds({**JOB, "seeds": [0], "robot": "panda", "meta": {"robot": "panda"}})
    assert outcome["success"], outcome
    return outcome


def _dataset(root: Path, outcome: dict[str, Any]) -> Path:
    with DatasetWriter(root, {**HEADER, "robot": "panda"}, robot="panda") as writer:
        writer.write_episode(0, outcome["data"])
    return root


def test_arm_episodes_hold_the_control_stream(arm_outcome: dict[str, Any], tmp_path: Path) -> None:
    root = _dataset(tmp_path / "ds", arm_outcome)
    assert json.loads((root / "dataset.json").read_text())["robot"] == "panda"
    assert read_manifest(root)["ep-000000.npz"].robot == "panda"
    episode = EpisodeFile(root / "episodes" / "ep-000000.npz")
    members, meta = episode.control(), episode.meta["control"]
    n = meta["samples"]
    assert n > 10 and meta["hz"] == CONTROL_HZ and meta["robot"] == "panda"
    assert members["control_joint_pos"].shape == (n, 7) and members["control_front"].shape == (n, 96, 128, 3)
    assert np.all(np.diff(members["control_step"]) == meta["physics_hz"] // CONTROL_HZ)
    # the stream runs alongside the pick/place actions (the count of actions completed so far)
    done = members["control_actions_done"]
    assert done[0] == 0 and np.all(np.diff(done) >= 0) and done[-1] <= episode.steps
    assert members["control_suction_on"].any() and members["control_holding"].any()
    assert check_control(members, meta, "panda") is None
    assert check_control(members, meta, "none") is not None  # a stream where none belongs
    episode.close()


def test_a_robot_cannot_be_appended_to_a_dataset_of_another(arm_outcome: dict[str, Any], tmp_path: Path) -> None:
    from gensim.errors import UsageError

    root = _dataset(tmp_path / "ds", arm_outcome)
    with pytest.raises(UsageError, match="robot='panda', not 'none'"):
        DatasetWriter(root, {**HEADER, "robot": "none"})
    old = tmp_path / "old"  # a header written before robots existed means the floating tool
    DatasetWriter(old, HEADER).close()
    with pytest.raises(UsageError, match="robot='none', not 'panda'"):
        DatasetWriter(old, {**HEADER, "robot": "panda"})


def test_the_parent_refuses_episodes_whose_control_stream_is_wrong(arm_outcome: dict[str, Any]) -> None:
    from gensim.data.catalog import PinnedTask
    from gensim.data.demos import _verified

    pinned = PinnedTask(name="block-insertion", version=1, version_id=7, code_hash="x", origin="builtin")
    episode = EpisodeFile(arm_outcome["data"]).to_episode()
    episode.meta["version_id"] = 7
    good = encode(episode)
    assert _verified(0, {"success": True, "data": good}, pinned, "panda") == good
    assert _verified(0, {"success": True, "data": good}, pinned, "none") is None  # robot mismatch
    assert episode.control is not None
    episode.control["control_joint_pos"] = episode.control["control_joint_pos"] + 10.0  # beyond the limits
    assert _verified(0, {"success": True, "data": encode(episode)}, pinned, "panda") is None
    episode.control = None
    assert _verified(0, {"success": True, "data": encode(episode)}, pinned, "panda") is None  # no stream


def test_a_control_member_that_would_inflate_beyond_its_samples_is_never_read(arm_outcome: dict[str, Any]) -> None:
    """Untrusted bytes: the sizes the zip directory declares are checked against the sample count
    before anything is decompressed (a deflate bomb in `control_front` is refused unread)."""
    from gensim.data.control import read_control

    episode = EpisodeFile(arm_outcome["data"]).to_episode()
    assert episode.control is not None
    episode.control["control_front"] = np.zeros((1000, 96, 128, 3), np.uint8)  # 37 MB, ~40 KB deflated
    bomb = EpisodeFile(encode(episode))
    members, why = read_control(bomb, "panda")
    assert members == {} and why is not None and "more than the" in why
    assert read_control(EpisodeFile(arm_outcome["data"]), "panda")[1] is None


def _flip_in_member(path: Path, member: str) -> None:
    """Flip one byte in the middle of a zip member's compressed data (same size)."""
    import struct
    import zipfile

    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26: info.header_offset + 30])
    at = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def test_verify_catches_corrupted_control_data(arm_outcome: dict[str, Any], tmp_path: Path) -> None:
    root = _dataset(tmp_path / "ds", arm_outcome)
    path = root / "episodes" / "ep-000000.npz"
    original = path.read_bytes()
    _flip_in_member(path, "control_joint_pos.npy")  # damaged in place
    report = verify_dataset(root)
    assert not report.ok and [(p.kind, p.file) for p in report.bad] == [("checksum", "ep-000000.npz")]
    path.write_bytes(original)
    assert verify_dataset(root).ok
    episode = EpisodeFile(path).to_episode()
    assert episode.control is not None
    # a plausible edit (within the limits, a valid file): the recorded size and sha256 tell
    episode.control["control_joint_pos"] = episode.control["control_joint_pos"] * 0.99
    path.write_bytes(encode(episode))
    report = verify_dataset(root)
    assert not report.ok and [p.kind for p in report.bad] in (["checksum"], ["truncated"])
    # an unrecorded file (no checksum to compare) is judged by its control stream
    episode.control["control_joint_pos"] = episode.control["control_joint_pos"] + 10.0
    (root / "episodes" / "ep-000002.npz").write_bytes(encode(episode))
    kinds = {p.file: (p.kind, p.detail) for p in verify_dataset(root).problems}
    assert kinds["ep-000002.npz"] == ("unreadable", "control stream: joint positions outside the joint limits")


def test_lerobot_control_export_reads_from_the_episode_files(arm_outcome: dict[str, Any], tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    root = _dataset(tmp_path / "ds", arm_outcome)
    out = tmp_path / "lerobot"
    result = CliRunner().invoke(app, ["demos", "export", str(root), "--format", "lerobot-control", "--out",
                                      str(out), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads((out / "meta/info.json").read_text())
    n = EpisodeFile(root / "episodes" / "ep-000000.npz").meta["control"]["samples"]
    assert info["fps"] == CONTROL_HZ and info["total_frames"] == n and info["robot_type"] == "gensim-panda"
    data = pq.read_table(out / "data/chunk-000/file-000.parquet").to_pydict()
    assert len(data["observation.state"]) == n and len(data["action"][0]) == 8
    assert np.allclose(np.diff(data["timestamp"]), 1 / CONTROL_HZ, atol=1e-5)
    stored = EpisodeFile(root / "episodes" / "ep-000000.npz").control()["control_joint_pos"]
    assert np.allclose(np.array(data["observation.state"])[:, :7], stored)


def test_control_export_of_a_dataset_without_robot_is_one_line(insertion_dir: Path, tmp_path: Path) -> None:
    from gensim.errors import UsageError

    with pytest.raises(UsageError, match="made without a robot"):
        export_dataset_control(insertion_dir, tmp_path / "out")
    result = CliRunner().invoke(app, ["demos", "export", str(insertion_dir), "--format", "lerobot-control",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_panda_dataset_made_verified_repaired_and_exported(gensim_home: Path, tmp_path: Path) -> None:
    """The documented path end to end: `demos make --robot panda`, an episode lost, `verify
    --repair` restores it byte for byte (the stream is a pure function of task version and seed),
    then the control-rate export."""
    runner = CliRunner()
    made = runner.invoke(app, ["demos", "block-insertion", "-n", "2", "--robot", "panda", "--json", "--quiet"])
    assert made.exit_code == 0, made.output
    doc = json.loads(made.stdout)
    assert doc["robot"] == "panda" and doc["path"].endswith("train-panda")
    from gensim.tracking import get_tracker

    run: Any = get_tracker().client.get_run(doc["mlflow_run_id"])  # type: ignore[union-attr]
    assert run.data.params["robot"] == "panda" and run.data.tags["gensim.robot"] == "panda"
    lost = Path(doc["path"]) / "episodes" / "ep-000002.npz"
    lost.unlink()
    fixed = runner.invoke(app, ["demos", "verify", "block-insertion-v1-train-panda", "--repair", "--json"])
    assert fixed.exit_code == 0, fixed.output
    assert [r["result"] for r in json.loads(fixed.stdout)["repairs"]] == ["restored"]
    out = tmp_path / "lerobot"
    exported = runner.invoke(app, ["demos", "export", "block-insertion-v1-train-panda", "--format",
                                   "lerobot-control", "--out", str(out), "--json"])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["episodes"] == 2


@pytest.mark.parametrize("args", [["demos", "block-insertion", "--robot", "ur5"],
                                  ["tasks", "check", "--file", "tests/fixtures/convention/blocks_into_zone.py",
                                   "--robot", "ur5"]])
def test_an_unknown_robot_is_one_line(gensim_home: Path, args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "unknown robot 'ur5'; expected one of: none, panda" in result.output and "Traceback" not in result.output
    assert not (gensim_home / "datasets").exists()
