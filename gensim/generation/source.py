"""Where an imported file came from: its path, its content digest and the commit of its checkout.

The record is stored with the imported version (`TaskVersion.source`) and shown by
`gensim tasks show`. The commit is read from the checkout's `.git` as plain files (HEAD, the
ref it names, `packed-refs`), bounded and never through a `git` process: the folder is
untrusted, and running git in it would obey its config (hooks, fsmonitor). A folder outside
any git checkout, or one whose `.git` cannot be read this way, has no commit.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAX_GIT_FILE = 1024 * 1024  # bytes read at most from HEAD, a ref file or packed-refs
MAX_DEPTH = 32  # parent folders searched for `.git`
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")  # sha1 or sha256 object names
_REF = re.compile(r"^refs/[A-Za-z0-9._/-]{1,200}$")


@dataclass(frozen=True)
class FileSource:
    """One imported file's origin (what `TaskVersion.source` holds for an import)."""

    path: str  # absolute path of the file when it was imported
    sha256: str  # digest of the file's text as imported
    commit: str | None  # HEAD of the git checkout holding the file, if any
    bundle: str  # the folder the file was read from
    imported_at: str  # UTC, ISO 8601

    def to_json(self) -> dict[str, Any]:
        return {"kind": "import", **vars(self)}


def file_source(folder: Path, file_name: str, text: str, commit: str | None) -> FileSource:
    """The source record of `file_name` read from `folder` (the commit found by `git_commit`)."""
    base = folder.absolute()
    return FileSource(path=str(base / file_name), sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                      commit=commit, bundle=str(base), imported_at=datetime.now(UTC).isoformat(timespec="seconds"))


def _read_small(path: Path) -> str | None:
    try:
        if path.is_symlink() or not path.is_file():
            return None
        with path.open("rb") as f:
            data = f.read(MAX_GIT_FILE + 1)
    except OSError:
        return None
    if len(data) > MAX_GIT_FILE:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _git_dir(folder: Path) -> Path | None:
    current = folder.absolute()
    for _ in range(MAX_DEPTH):
        candidate = current / ".git"
        if candidate.is_dir() and not candidate.is_symlink():
            return candidate
        if candidate.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = _read_small(candidate) or ""
            if text.startswith("gitdir:"):
                target = Path(text[len("gitdir:"):].strip())
                target = target if target.is_absolute() else current / target
                return target if target.is_dir() else None
            return None
        if current.parent == current:
            return None
        current = current.parent
    return None


def _resolve_ref(git_dir: Path, ref: str) -> str | None:
    if not _REF.match(ref) or ".." in ref:
        return None
    dirs = [git_dir]
    common = _read_small(git_dir / "commondir")  # a linked worktree keeps its refs in the main .git
    if common:
        shared = Path(common.strip())
        dirs.append(shared if shared.is_absolute() else git_dir / shared)
    for d in dirs:
        loose = _read_small(d / ref)
        if loose and _SHA.match(loose.strip()):
            return loose.strip()
        packed = _read_small(d / "packed-refs") or ""
        for line in packed.splitlines():
            parts = line.split(" ")
            if len(parts) == 2 and parts[1] == ref and _SHA.match(parts[0]):
                return parts[0]
    return None


def git_commit(folder: Path) -> str | None:
    """The commit checked out in the git checkout holding `folder`, or None (see the module doc)."""
    git_dir = _git_dir(folder)
    if git_dir is None:
        return None
    head = (_read_small(git_dir / "HEAD") or "").strip()
    if _SHA.match(head):
        return head  # a detached HEAD
    if head.startswith("ref:"):
        return _resolve_ref(git_dir, head[len("ref:"):].strip())
    return None
