"""Slow: a real SIGKILL of `gensim demos` mid-run and its resume; Ray equals the local pool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gensim.checking.conventions import train_seeds
from gensim.data.demos import make_demos
from gensim.data.format import EpisodeFile

pytestmark = pytest.mark.slow


def test_sigkill_mid_run_then_resume(gensim_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    cmd = [sys.executable, "-m", "gensim.cli.main", "demos", "stack-block-pyramid-seq-seen-colors",
           "-n", "8", "--workers", "2", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env={**os.environ})
    deadline = time.monotonic() + 240
    episodes = out / "episodes"
    while time.monotonic() < deadline and len(list(episodes.glob("*.npz"))) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its workers, mid-run
    proc.wait()
    kept = sorted(episodes.glob("*.npz"))
    assert 2 <= len(kept) < 8
    for path in kept:  # every file on disk is a whole, readable episode
        episode = EpisodeFile(path)
        assert episode.color(episode.steps).shape == (320, 160, 3)
    seeds_before = [int(p.name[3:9]) for p in kept]
    assert seeds_before == train_seeds(len(kept))  # written in seed order
    report = make_demos("stack-block-pyramid-seq-seen-colors", 8, "train", out=out, workers=2, track=False)
    assert report.episodes == 8 and report.new_episodes == 8 - len(kept)
    assert report.seeds[: len(kept)] == seeds_before and not list(out.rglob("*.tmp"))


@pytest.mark.ray
def test_ray_executor_equals_local_pool(gensim_home: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="ray is the optional extra `gensim[ray]`; not installed")
    local = make_demos("put-block-in-bowl-seen-colors", 3, "val", out=tmp_path / "local",
                       workers=2, track=False)
    remote = make_demos("put-block-in-bowl-seen-colors", 3, "val", out=tmp_path / "ray",
                        workers=2, executor="ray", track=False)
    assert remote.seeds == local.seeds and remote.failures == local.failures
    assert_same_episodes(tmp_path / "local", tmp_path / "ray")


def assert_same_episodes(a: Path, b: Path) -> None:
    """Equal observations, actions, rewards, goals and labels (timings naturally differ)."""
    names = sorted(p.name for p in (a / "episodes").glob("*.npz"))
    assert names == sorted(p.name for p in (b / "episodes").glob("*.npz")) and names
    for name in names:
        x, y = EpisodeFile(a / "episodes" / name), EpisodeFile(b / "episodes" / name)
        assert x.steps == y.steps and x.lang == y.lang
        for t in range(x.steps + 1):
            np.testing.assert_array_equal(x.color(t), y.color(t))
            np.testing.assert_array_equal(x.height(t), y.height(t))
        for key in ("pose0", "pose1", "reward"):
            np.testing.assert_array_equal(getattr(x, key), getattr(y, key))
        for key, value in x.labels.items():
            np.testing.assert_array_equal(value, y.labels[key])
