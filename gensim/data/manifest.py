"""The dataset manifest: one line per stored episode with its size and sha256, and the checks
that compare the episode files with it.

`manifest.jsonl` in a dataset folder holds one JSON object per line, `ManifestEntry.to_json()`:
`{"file", "seed", "bytes", "sha256", "views", "robot", "timings"}`, and `warnings` when there are
any (e.g. where the trusted replay of an untrusted task's episode disagreed with the task's own
rewards: `gensim.data.worker`). The writer appends a line (flushed
and fsynced) right after it moves an episode file into place; the last line for a file wins.
A line cut by a kill is ignored, and the episode it described is "unrecorded" until the next
writer records it (after checking that it reads). `check_dataset` finds what is wrong:

    missing      recorded, but the file is gone
    truncated    the file is shorter or longer than recorded
    checksum     same size, different sha256 (corrupted in place)
    unreadable   an unrecorded file that does not decompress with correct CRCs
    unrecorded   an unrecorded file that reads fine (not bad; a writer records it)

`quick=True` (what `demos list`, readers and a resuming writer use) only looks at names and
sizes, and opens unrecorded files' zip directories; the full check hashes every file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gensim.data.format import EPISODE_GLOB, check_readable
from gensim.errors import GensimError

MANIFEST = "manifest.jsonl"
MAX_LINE = 4096  # bytes; a longer line is not one gensim wrote
BAD_KINDS = ("missing", "truncated", "checksum", "unreadable")


class BadDatasetError(GensimError):
    """A dataset with missing or damaged episodes; the message names them in one line."""

    def __init__(self, root: Path, problems: list[Problem]) -> None:
        super().__init__(f"{bad_summary(root, problems)}; `gensim demos verify {root} --repair` "
                         "regenerates them")
        self.problems = [p for p in problems if p.bad]


def require_intact(root: Path, *, quick: bool = True) -> None:
    """Raise `BadDatasetError` when the dataset has bad episodes (`quick`: names and sizes)."""
    problems = check_dataset(root, quick=quick)
    if any(p.bad for p in problems):
        raise BadDatasetError(Path(root), problems)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def seed_of(name: str) -> int:
    """The seed in an episode or failure file name (`ep-000004.npz` -> 4)."""
    return int(name.split("-", 1)[1].split(".", 1)[0])


@dataclass(frozen=True)
class ManifestEntry:
    """What the writer recorded about one episode file."""

    file: str  # name inside episodes/, e.g. ep-000004.npz
    seed: int
    bytes: int
    sha256: str
    views: bool = False  # made with --views (needed to regenerate it)
    robot: str = "none"  # made with --robot (the embodiment; with an arm the file holds control_* data)
    timings: dict[str, float] = field(default_factory=dict)  # s: reset, act, step, render, total
    warnings: tuple[str, ...] = ()  # notes about how the episode was judged (absent from the line when none)

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        if not self.warnings:
            doc.pop("warnings")
        else:
            doc["warnings"] = list(self.warnings)
        return doc

    @classmethod
    def from_json(cls, doc: Any) -> ManifestEntry:
        """Decode one line; ValueError when it is not an entry."""
        if not isinstance(doc, dict):
            raise ValueError("not an object")
        file, sha = doc.get("file"), doc.get("sha256")
        if not isinstance(file, str) or "/" in file or not file.startswith("ep-"):
            raise ValueError("bad file name")
        if not isinstance(sha, str) or len(sha) != 64:
            raise ValueError("bad sha256")
        timings = doc.get("timings") or {}
        if not isinstance(timings, dict):
            raise ValueError("bad timings")
        warnings = doc.get("warnings") or []
        if not isinstance(warnings, list):
            raise ValueError("bad warnings")
        robot = doc.get("robot", "none")
        if not isinstance(robot, str) or not robot.isidentifier():
            raise ValueError("bad robot")
        return cls(file=file, seed=int(doc["seed"]), bytes=int(doc["bytes"]), sha256=sha,
                   views=bool(doc.get("views", False)), robot=robot[:32],
                   timings={str(k): float(v) for k, v in list(timings.items())[:16]},
                   warnings=tuple(str(w)[:500] for w in list(warnings)[:16]))


def read_manifest(root: Path) -> dict[str, ManifestEntry]:
    """File name -> its last recorded entry (malformed lines are skipped)."""
    path = Path(root) / MANIFEST
    entries: dict[str, ManifestEntry] = {}
    if not path.is_file():
        return entries
    with open(path, "rb") as fh:
        for raw in fh:
            if len(raw) > MAX_LINE:
                continue
            try:
                entry = ManifestEntry.from_json(json.loads(raw))
            except (ValueError, KeyError, TypeError):
                continue  # e.g. the last line of a killed writer
            entries[entry.file] = entry
    return entries


def append_entry(root: Path, entry: ManifestEntry) -> None:
    """Append one line, flushed and fsynced (the caller holds the dataset's lock). A line cut by
    a kill is closed first, so that it cannot swallow this one."""
    line = json.dumps(entry.to_json(), sort_keys=True) + "\n"
    with open(Path(root) / MANIFEST, "ab+") as fh:
        if fh.seek(0, os.SEEK_END) > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                line = "\n" + line
        fh.write(line.encode())
        fh.flush()
        os.fsync(fh.fileno())


def rewrite_manifest(root: Path, entries: dict[str, ManifestEntry]) -> None:
    """Replace the manifest by `entries`, one line each in name order (atomic)."""
    from gensim.data.format import write_atomic

    text = "".join(json.dumps(entries[name].to_json(), sort_keys=True) + "\n" for name in sorted(entries))
    write_atomic(Path(root) / MANIFEST, text.encode())


def entry_for(path: Path) -> ManifestEntry:
    """The entry of a readable episode file as it is now (no timings: they were not kept)."""
    import zipfile

    from gensim.data.format import read_meta_json

    with zipfile.ZipFile(path) as archive:
        views = "view0_color_000.npy" in archive.namelist()
    robot = str(read_meta_json(path).get("robot") or "none")
    return ManifestEntry(file=path.name, seed=seed_of(path.name), bytes=path.stat().st_size,
                         sha256=sha256_file(path), views=views, robot=robot if robot.isidentifier() else "none")


@dataclass(frozen=True)
class Problem:
    """One episode that is not as recorded."""

    file: str
    seed: int
    kind: str  # one of BAD_KINDS, or "unrecorded"
    detail: str

    @property
    def bad(self) -> bool:
        return self.kind in BAD_KINDS

    def line(self) -> str:
        return f"episodes/{self.file} (seed {self.seed}): {self.kind}, {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "bad": self.bad}


def check_dataset(root: Path, *, quick: bool = False,
                  entries: dict[str, ManifestEntry] | None = None) -> list[Problem]:
    """Every episode that is missing, damaged or unrecorded, in name order."""
    root = Path(root)
    recorded = read_manifest(root) if entries is None else entries
    files = {p.name: p for p in (root / "episodes").glob(EPISODE_GLOB)}
    problems: list[Problem] = []
    for name in sorted(set(recorded) | set(files)):
        entry, path = recorded.get(name), files.get(name)
        if path is None:
            assert entry is not None
            problems.append(Problem(name, entry.seed, "missing", f"recorded {entry.bytes} bytes"))
            continue
        if entry is None:
            why = check_readable(path) if not quick else _zip_directory_error(path)
            if why is not None:
                problems.append(Problem(name, seed_of(name), "unreadable", why))
            elif not quick:
                problems.append(Problem(name, seed_of(name), "unrecorded", "reads fine, no checksum recorded"))
            continue
        size = path.stat().st_size
        if size != entry.bytes:
            problems.append(Problem(name, entry.seed, "truncated",
                                    f"{size} bytes, {entry.bytes} recorded"))
        elif not quick and sha256_file(path) != entry.sha256:
            problems.append(Problem(name, entry.seed, "checksum",
                                    f"sha256 {sha256_file(path)[:12]}..., {entry.sha256[:12]}... recorded"))
    return problems


def _zip_directory_error(path: Path) -> str | None:
    """Why the file's zip directory cannot be read (cheap: reads the end of the file only)."""
    import zipfile

    try:
        with zipfile.ZipFile(path):
            return None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        return f"{type(err).__name__}: {err}"


def recorded_digest(entries: dict[str, ManifestEntry]) -> str:
    """The dataset digest the manifest promises (equal to `dataset_digest` of intact files)."""
    outer = hashlib.sha256()
    for name in sorted(entries):
        outer.update(f"{name}:{entries[name].sha256}\n".encode())
    return outer.hexdigest()


def bad_summary(root: Path, problems: list[Problem]) -> str:
    """One line naming the bad episodes of a dataset (the first three, then a count)."""
    bad = [p for p in problems if p.bad]
    shown = "; ".join(f"episodes/{p.file}: {p.kind}, {p.detail}" for p in bad[:3])
    more = f"; and {len(bad) - 3} more" if len(bad) > 3 else ""
    noun = "episode" if len(bad) == 1 else "episodes"
    return f"dataset {root} has {len(bad)} bad {noun} ({shown}{more})"
