"""`DatasetWriter`: one dataset folder, appended to one episode file at a time, by one writer.

Layout of a dataset folder (docs/dataset-format.md):

    dataset.json               what made it: task, version, version id, code hash, split, robot
    manifest.jsonl             one line per episode: file, seed, bytes, sha256, views, robot, timings
    episodes/ep-000000.npz     one successful episode per file, named by its seed
    failures/seed-000004.json  one small record per failed attempt (the seed is consumed)
    .lock                      held (flock) by the one process writing the folder

One writer at a time: opening a writer takes an exclusive `flock` on `.lock` without waiting;
a second writer (another `gensim demos`, a `demos verify --repair`) is refused with
`DatasetBusyError` naming the holder. Safety under interruption: every file is written to a
temporary name and moved into place with `os.replace`, so a killed run leaves whole episodes or
none; the manifest line follows the file. A new writer removes the temporary files of writers
that are gone (their pid is in the name) and never those of a live process, records episodes
that a killed writer left unrecorded, and refuses to append to a dataset with bad episodes. The
set of attempted seeds (episodes plus failures) is what a later run resumes from.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from gensim.data.format import EPISODE_GLOB, check_readable, episode_filename, write_atomic
from gensim.data.manifest import (
    BadDatasetError,
    ManifestEntry,
    Problem,
    append_entry,
    check_dataset,
    entry_for,
    read_manifest,
    seed_of,
)
from gensim.errors import GensimError, UsageError

HEADER = "dataset.json"
LOCK = ".lock"
PINNED_KEYS = ("task", "version", "version_id", "code_hash", "split", "format", "robot")
PINNED_DEFAULTS = {"robot": "none"}  # what a header written before the key existed means


class DatasetBusyError(GensimError):
    """Another process is writing the dataset."""

    exit_code = 75  # EX_TEMPFAIL: try again later


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DatasetLock:
    """The exclusive, non-blocking `flock` of one dataset folder (released by `release` or when
    the process ends, however it ends). The lock file stays; it holds the holder's pid."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / LOCK
        self._fh: IO[str] | None = open(path, "a+")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.seek(0)
            holder = " ".join(self._fh.read(200).split()) or "another process"
            self._fh.close()
            self._fh = None
            raise DatasetBusyError(
                f"dataset {self.root} is being written by {holder}; wait for it to finish "
                "(one writer per dataset) or use another --out") from None
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(f"pid {os.getpid()}\n")
        self._fh.flush()

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


class DatasetWriter:
    """Appends episodes and failure records to the dataset folder `root`."""

    def __init__(self, root: Path, header: dict[str, Any], *, views: bool = False,
                 check: bool = True, robot: str | None = None) -> None:
        self.root = Path(root)
        self.views = views
        self.lock = DatasetLock(self.root)
        try:
            self.episodes_dir = self.root / "episodes"
            self.failures_dir = self.root / "failures"
            self.episodes_dir.mkdir(parents=True, exist_ok=True)
            self.failures_dir.mkdir(parents=True, exist_ok=True)
            self.removed_temp = self._remove_temp_files()
            self.header = self._pin(header)
            self.robot = str(self.header.get("robot") or "none") if robot is None else robot
            if check:
                self._reconcile()
        except BaseException:
            self.lock.release()
            raise

    def close(self) -> None:
        """Release the dataset's lock (also released when the process ends)."""
        self.lock.release()

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reconcile(self) -> None:
        """Record readable episodes a killed writer left unrecorded; refuse a damaged dataset."""
        entries = read_manifest(self.root)
        problems = check_dataset(self.root, quick=True, entries=entries)
        for path in sorted(self.episodes_dir.glob(EPISODE_GLOB)):
            if path.name in entries or any(p.file == path.name for p in problems):
                continue
            why = check_readable(path)
            if why is not None:
                problems.append(Problem(path.name, seed_of(path.name), "unreadable", why))
            else:
                append_entry(self.root, entry_for(path))
        if any(p.bad for p in problems):
            raise BadDatasetError(self.root, problems)

    def _pin(self, header: dict[str, Any]) -> dict[str, Any]:
        path = self.root / HEADER
        if path.exists():
            existing = json.loads(path.read_text())
            for key in PINNED_KEYS:
                held = existing.get(key, PINNED_DEFAULTS.get(key))
                if key in header and held != header.get(key):
                    raise UsageError(
                        f"dataset {self.root} holds {key}={held!r}, not {header.get(key)!r}: "
                        "episodes of another task version, split or robot cannot be appended; use another --out")
            return existing
        doc = {**header, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        write_atomic(path, json.dumps(doc, indent=2, sort_keys=True).encode())
        return doc

    def _remove_temp_files(self) -> int:
        """Remove temporary files of writers that are gone (`.<name>.<pid>.tmp`)."""
        removed = 0
        for folder in (self.root, self.episodes_dir, self.failures_dir):
            for tmp in folder.glob(".*.tmp"):
                pid = tmp.name.rsplit(".", 2)[-2]
                if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
                    continue  # a live process's file: never ours to remove
                tmp.unlink(missing_ok=True)
                removed += 1
        return removed

    def kept_seeds(self) -> list[int]:
        """Seeds of the stored episodes, ascending."""
        return sorted(seed_of(p.name) for p in self.episodes_dir.glob(EPISODE_GLOB))

    def failed_seeds(self) -> list[int]:
        """Seeds whose expert attempt failed, ascending."""
        return sorted(seed_of(p.name) for p in self.failures_dir.glob("seed-*.json"))

    def attempted(self) -> set[int]:
        """Every seed already consumed (kept or failed)."""
        return set(self.kept_seeds()) | set(self.failed_seeds())

    def write_episode(self, seed: int, data: bytes, timings: dict[str, float] | None = None,
                      warnings: Sequence[str] = ()) -> Path:
        """Store the encoded episode of `seed` (atomic), then its manifest line (with `warnings`)."""
        path = self.episodes_dir / episode_filename(seed)
        write_atomic(path, data)
        append_entry(self.root, ManifestEntry(
            file=path.name, seed=seed, bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
            views=self.views, robot=self.robot, timings=dict(timings or {}), warnings=tuple(warnings)))
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

