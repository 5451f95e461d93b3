"""Episode format, seeds convention, atomic writer and reader, against real expert episodes."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from gensim.data.format import (
    Episode,
    EpisodeFile,
    encode,
    episode_filename,
    place_theta,
    read_meta_json,
    seed_at,
    seed_index,
    theta_bin,
    xyz_to_uv,
)
from gensim.data.reader import DemoReader
from gensim.data.worker import play
from gensim.data.writer import DatasetWriter, dataset_digest
from gensim.errors import UsageError
from tests.data.conftest import dead_pid


def test_seed_convention() -> None:
    assert [seed_at("train", i) for i in range(3)] == [0, 2, 4]
    assert [seed_at("val", i) for i in range(3)] == [1, 3, 5]
    assert [seed_at("test", i) for i in range(3)] == [10001, 10003, 10005]
    assert seed_index("test", 10005) == 2
    with pytest.raises(UsageError):
        seed_at("dev", 0)
    with pytest.raises(UsageError):
        seed_index("train", 3)


def test_pixel_and_rotation_labels() -> None:
    assert xyz_to_uv((0.25, -0.5, 0.0)) == (0, 0)
    assert xyz_to_uv((0.5, 0.0, 0.1)) == (160, 80)
    assert xyz_to_uv((2.0, 2.0, 0.0)) == (319, 159)  # clipped into the image
    quarter = (0.0, 0.0, math.sin(math.pi / 4), math.cos(math.pi / 4))  # +90 degrees about z
    identity = (0.0, 0.0, 0.0, 1.0)
    assert place_theta(((0, 0, 0), identity), ((0, 0, 0), quarter)) == pytest.approx(math.pi / 2)
    assert theta_bin(math.pi / 2) == 9
    assert theta_bin(-math.pi / 18) == 35
    assert theta_bin(2 * math.pi - 1e-6) == 0


def _synthetic(steps: int, rng: np.random.Generator) -> Episode:
    return Episode(
        color=[rng.integers(0, 256, (320, 160, 3), dtype=np.uint8) for _ in range(steps + 1)],
        height=[rng.random((320, 160), dtype=np.float32) for _ in range(steps + 1)],
        pose0=rng.random((steps, 7)).astype(np.float32), pose1=rng.random((steps, 7)).astype(np.float32),
        reward=np.full(steps, 1.0 / steps, np.float32), lang=[f"goal {t}" for t in range(steps + 1)],
        meta={"seed": 6, "steps": steps})


def test_encode_decode_round_trip() -> None:
    episode = _synthetic(3, np.random.default_rng(0))
    back = EpisodeFile(encode(episode))
    assert back.steps == 3 and back.meta["seed"] == 6 and back.meta["format"] == 1
    for t in range(4):
        np.testing.assert_array_equal(back.color(t), episode.color[t])
        np.testing.assert_array_equal(back.height(t), episode.height[t])
    np.testing.assert_array_equal(back.pose0, episode.pose0)
    assert back.lang == episode.lang
    for key, value in episode.labels().items():
        np.testing.assert_array_equal(back.labels[key], value)


def test_read_back_equals_what_the_expert_recorded(tmp_path: Path) -> None:
    from gensim.sim.environment import Environment
    from gensim.tasks.registry import make_task

    env = Environment()
    try:
        result, episode = play(env, make_task("block-insertion"), 4)
    finally:
        env.close()
    assert result.success
    writer = DatasetWriter(tmp_path / "ds", {"task": "block-insertion", "split": "train"})
    writer.write_episode(4, encode(episode))
    reader = DemoReader(tmp_path / "ds")
    assert reader.seeds() == [4] and reader.steps() == [(0, 0)]
    back = reader.episode(0)
    assert back.steps == result.steps == len(episode.pose0)
    np.testing.assert_array_equal(back.color(0), episode.color[0])
    np.testing.assert_array_equal(back.height(1), episode.height[1])
    np.testing.assert_allclose(back.pose1, np.asarray(episode.pose1, np.float32))
    assert float(back.reward.sum()) > 0.99
    assert back.lang[0] == result.lang_goal
    assert read_meta_json(reader.paths[0])["total_reward"] == pytest.approx(result.total_reward, abs=1e-5)
    u, v = back.labels["pick_uv"][0]
    assert back.height(0)[u, v] > 0.01  # the pick pixel is on the block, above the table


def test_writer_removes_leftovers_and_pins_the_version(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    writer = DatasetWriter(root, {"task": "t", "version": 1, "split": "train"})
    writer.write_episode(0, encode(_synthetic(1, np.random.default_rng(1))))
    writer.write_failure(2, {"error": "x"})
    writer.close()
    dead, live = dead_pid(), os.getppid()  # a finished process's pid; a running one's
    (root / "episodes" / f".ep-000004.npz.{dead}.tmp").write_bytes(b"half an episode")
    (root / "episodes" / f".ep-000008.npz.{live}.tmp").write_bytes(b"another writer's")
    again = DatasetWriter(root, {"task": "t", "version": 1, "split": "train"})
    assert again.removed_temp == 1
    assert again.kept_seeds() == [0] and again.failed_seeds() == [2] and again.attempted() == {0, 2}
    assert [p.name for p in root.rglob("*.tmp")] == [f".ep-000008.npz.{live}.tmp"]  # never a live one's
    again.close()
    with pytest.raises(UsageError, match="version"):
        DatasetWriter(root, {"task": "t", "version": 2, "split": "train"})
    again = DatasetWriter(root, {"task": "t", "version": 1, "split": "train"})  # the refusal let go
    digest = dataset_digest(root)
    again.write_episode(6, encode(_synthetic(1, np.random.default_rng(2))))
    assert dataset_digest(root) != digest
    assert (root / "episodes" / episode_filename(6)).is_file()
