"""`DatasetWriter`: one dataset folder, appended to one episode file at a time.

Layout of a dataset folder (docs/dataset-format.md):

    dataset.json               what made it: task, version, version id, code hash, split
    episodes/ep-000000.npz     one successful episode per file, named by its seed
    failures/seed-000004.json  one small record per failed attempt (the seed is consumed)

Safety under interruption: every file is written to a temporary name and moved into place
with `os.replace`, so a killed run leaves whole episodes or none; temporary files of a killed
run are removed when the folder is opened again. The set of attempted seeds (episodes plus
failures) is what a later run resumes from.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from gensim.data.format import EPISODE_GLOB, episode_filename, write_atomic
from gensim.errors import UsageError

HEADER = "dataset.json"
PINNED_KEYS = ("task", "version", "version_id", "code_hash", "split", "format")


def _seed_of(name: str) -> int:
    return int(name.split("-", 1)[1].split(".", 1)[0])


class DatasetWriter:
    """Appends episodes and failure records to the dataset folder `root`."""

    def __init__(self, root: Path, header: dict[str, Any]) -> None:
        self.root = Path(root)
        self.episodes_dir = self.root / "episodes"
        self.failures_dir = self.root / "failures"
        self.episodes_dir.mkdir(parents=True, exist_ok=True)
        self.failures_dir.mkdir(parents=True, exist_ok=True)
        self.removed_temp = self._remove_temp_files()
        self.header = self._pin(header)

    def _pin(self, header: dict[str, Any]) -> dict[str, Any]:
        path = self.root / HEADER
        if path.exists():
            existing = json.loads(path.read_text())
            for key in PINNED_KEYS:
                if key in header and existing.get(key) != header.get(key):
                    raise UsageError(
                        f"dataset {self.root} holds {key}={existing.get(key)!r}, not {header.get(key)!r}: "
                        "episodes of another task version or split cannot be appended; use another --out")
            return existing
        doc = {**header, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        write_atomic(path, json.dumps(doc, indent=2, sort_keys=True).encode())
        return doc

    def _remove_temp_files(self) -> int:
        removed = 0
        for folder in (self.root, self.episodes_dir, self.failures_dir):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
                removed += 1
        return removed

    def kept_seeds(self) -> list[int]:
        """Seeds of the stored episodes, ascending."""
        return sorted(_seed_of(p.name) for p in self.episodes_dir.glob(EPISODE_GLOB))

    def failed_seeds(self) -> list[int]:
        """Seeds whose expert attempt failed, ascending."""
        return sorted(_seed_of(p.name) for p in self.failures_dir.glob("seed-*.json"))

    def attempted(self) -> set[int]:
        """Every seed already consumed (kept or failed)."""
        return set(self.kept_seeds()) | set(self.failed_seeds())

    def write_episode(self, seed: int, data: bytes) -> Path:
        """Store the encoded episode of `seed` (atomic)."""
        path = self.episodes_dir / episode_filename(seed)
        write_atomic(path, data)
        return path

    def write_failure(self, seed: int, record: dict[str, Any]) -> Path:
        """Record a failed attempt of `seed` (atomic)."""
        path = self.failures_dir / f"seed-{seed:06d}.json"
        write_atomic(path, json.dumps({"seed": seed, **record}, sort_keys=True, default=str).encode())
        return path


def dataset_digest(root: Path) -> str:
    """sha256 over the names and contents of the episode files (order-independent of listing)."""
    outer = hashlib.sha256()
    for path in sorted((Path(root) / "episodes").glob(EPISODE_GLOB)):
        inner = hashlib.sha256(path.read_bytes()).hexdigest()
        outer.update(f"{path.name}:{inner}\n".encode())
    return outer.hexdigest()


def dataset_size(root: Path) -> int:
    """Bytes of the episode files."""
    return sum(p.stat().st_size for p in (Path(root) / "episodes").glob(EPISODE_GLOB))
