"""Which exact task version a demo run uses, and which dataset a name refers to.

A run is pinned to one `TaskVersion` row of the task DB (its id and code hash go into every
episode and the dataset header). Built-in tasks are synced into the DB first, so their current
file is an admitted version; `--version V` picks another stored version of the same task (a
built-in whose stored code is the current file runs from the package; any other stored code
runs as untrusted code, in the sandbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gensim.errors import UnknownNameError, UsageError


@dataclass(frozen=True)
class PinnedTask:
    """A task at one stored version, and how a worker instantiates it."""

    name: str
    version: int
    version_id: int
    code_hash: str
    origin: str
    entry_point: str = ""  # set for built-ins run from the package
    code: str | None = None  # set for everything else (runs in the sandbox)

    def job_fields(self) -> dict[str, Any]:
        """The task part of a worker job (see `gensim.data.worker`)."""
        return {"task": self.name, "entry_point": self.entry_point, "code": self.code,
                "origin": self.origin}

    def header(self) -> dict[str, Any]:
        """What the dataset header and every episode record about the task."""
        return {"task": self.name, "version": self.version, "version_id": self.version_id,
                "code_hash": self.code_hash, "origin": self.origin}


def _builtin_spec(name: str) -> Any:
    from gensim.tasks.builtin import SPECS
    from gensim.tasks.registry import described

    found = next((s for s in SPECS if s.name == name), None)
    return None if found is None else described(found)  # one file parsed, not every built-in's


def _builtin_code(spec: Any) -> str:
    """The text of a built-in task's module file (what the DB stores as its code)."""
    import importlib.util

    found = importlib.util.find_spec(spec.entry_point.partition(":")[0])
    if found is None or not found.origin:
        raise UsageError(f"built-in task '{spec.name}' has no module file")
    return Path(found.origin).read_text(encoding="utf-8")


def pin_task(name: str, version: int | None = None, *, url: str | None = None) -> PinnedTask:
    """The task `name` at `version` (default: the newest admitted one), as stored in the DB."""
    builtin = _builtin_spec(name)
    if builtin is not None and version is None:
        quick = _quick_builtin(builtin, url)
        if quick is not None:
            return quick
    from gensim.db import repository as repo
    from gensim.tasks.registry import get_spec

    if builtin is not None:
        repo.sync_builtin_tasks([builtin], url=url)
        builtin_hash = repo.code_hash(_builtin_code(builtin))
    elif version is None:
        spec = get_spec(name)  # UnknownNameError with the closest names when it is not known
        version = spec.version
    if version is None:
        row = repo.get_task_version(name, status="admitted", url=url)
    else:
        row = repo.get_task_version(name, int(version), url=url)
    task = repo.get_task(name, url=url)
    if row.id is None:
        raise UsageError(f"task '{name}' version {row.version} has no id")
    if builtin is not None and row.code_hash == builtin_hash:
        entry_point, code = builtin.entry_point, None
    else:
        entry_point, code = "", row.code
    return PinnedTask(name=name, version=row.version, version_id=row.id, code_hash=row.code_hash,
                      origin=str(task.origin), entry_point=entry_point, code=code)


def _quick_builtin(builtin: Any, url: str | None) -> PinnedTask | None:
    """A built-in's current file pinned without the ORM (SQLAlchemy's import is most of a
    second) when the DB already holds it as the newest admitted version, so that the sync would
    change nothing; None otherwise (the full path then syncs and pins)."""
    import hashlib

    from gensim.db.quick import configured_db_url, newest_admitted

    newest = newest_admitted(url or configured_db_url(), builtin.name)
    if newest is None or newest.origin != "builtin" or not newest.synced or newest.tags != tuple(builtin.tags):
        return None
    if newest.code_hash != hashlib.sha256(_builtin_code(builtin).encode("utf-8")).hexdigest():
        return None
    return PinnedTask(name=builtin.name, version=newest.version, version_id=newest.version_id,
                      code_hash=newest.code_hash, origin="builtin", entry_point=builtin.entry_point, code=None)


def _robot_suffix(robot: str) -> str:
    return "" if robot == "none" else f"-{robot}"


def default_root(pinned: PinnedTask, split: str, robot: str = "none") -> Path:
    """`<datasets_dir>/<task>/v<version>/<split>`, `<split>-<robot>` for an arm's dataset."""
    from gensim.config import get_settings

    return get_settings().datasets_dir / pinned.name / f"v{pinned.version}" / f"{split}{_robot_suffix(robot)}"


def dataset_name(pinned: PinnedTask, split: str, robot: str = "none") -> str:
    """The DB name of a task version's dataset of one split, e.g. `block-insertion-v1-train`
    (`block-insertion-v1-train-panda` for a dataset made with the Panda arm)."""
    return f"{pinned.name}-v{pinned.version}-{split}{_robot_suffix(robot)}"


def dataset_robot(header: dict[str, Any]) -> str:
    """The robot a dataset was made with (its header's `robot`; datasets made before the key
    existed were made with the floating end effector, "none")."""
    return str(header.get("robot") or "none")


def list_datasets(*, url: str | None = None) -> list[tuple[Any, list[int]]]:
    """Every dataset row of the DB (all snapshots), newest first, with its task version ids."""
    from gensim.db import provenance, repository

    rows: dict[int, Any] = {}
    versions: dict[int, list[int]] = {}
    for version in repository.list_versions(url=url):
        if version.id is None:
            continue
        for row in provenance.datasets_for_version(version.id, url=url):
            if row.id is not None:
                rows[row.id] = row
                versions.setdefault(row.id, []).append(version.id)
    return [(rows[row_id], versions[row_id]) for row_id in sorted(rows, reverse=True)]


def resolve_dataset(ref: str, *, url: str | None = None) -> Path:
    """The folder of a dataset given as a folder path, a DB id or a DB name (newest snapshot)."""
    from gensim.data.writer import HEADER
    from gensim.db import provenance

    path = Path(ref).expanduser()
    if (path / HEADER).is_file():
        return path
    if ref.isdigit():
        return Path(provenance.get_dataset(int(ref), url=url).path)
    found = provenance.find_datasets(ref, url=url)
    if found:
        return Path(found[0].path)
    if path.exists():
        raise UsageError(f"not a gensim dataset folder (no {HEADER}): {path}")
    raise UnknownNameError("dataset", ref, sorted({row.name for row, _ in list_datasets(url=url)}))
