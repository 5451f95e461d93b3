"""Fixtures of the data tests: real expert episodes, played once per session in this process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gensim.data.format import EpisodeFile
from gensim.data.worker import run_seeds
from gensim.data.writer import DatasetWriter

HEADER = {"version": 1, "version_id": 0, "code_hash": "test", "origin": "builtin", "format": 1}


def dead_pid() -> int:
    """The pid of a process that has finished (what a killed writer's temporary file names)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)
    return int(done.stdout)


def write_real_dataset(root: Path, task: str, entry_point: str, seeds: list[int]) -> Path:
    """Play the built-in expert on `seeds` in this process and store the successes in `root`."""
    job = {"task": task, "entry_point": entry_point, "code": None, "origin": "builtin",
           "split": "train", "seeds": seeds, "views": False, "meta": {}}
    with DatasetWriter(root, {**HEADER, "task": task, "split": "train"}) as writer:
        for outcome in run_seeds(job):
            assert outcome["success"], outcome
            writer.write_episode(outcome["seed"], outcome["data"])
    return root


@pytest.fixture(scope="session")
def insertion_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two block-insertion episodes (seeds 0 and 2, one action each)."""
    root = tmp_path_factory.mktemp("insertion") / "ds"
    return write_real_dataset(root, "block-insertion",
                              "gensim.tasks.builtin.block_insertion:BlockInsertion", [0, 2])


@pytest.fixture(scope="session")
def pyramid_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One stack-block-pyramid-seq-seen-colors episode (seed 0, six actions, changing goals)."""
    from gensim.tasks.registry import get_spec

    spec = get_spec("stack-block-pyramid-seq-seen-colors")
    root = tmp_path_factory.mktemp("pyramid") / "ds"
    return write_real_dataset(root, spec.name, spec.entry_point, [0])


def first_episode(root: Path) -> EpisodeFile:
    return EpisodeFile(sorted((root / "episodes").glob("ep-*.npz"))[0])
