"""Which tasks a training run uses, and their training datasets (made on demand).

`--tasks-from-db QUERY` selects the newest admitted version of tasks in the task DB. QUERY is
a comma-separated list of filters, all of which must hold:
`origin=generated|imported|builtin`, `campaign=ID`, `tag=TAG` (repeatable), `name~TEXT` (name
contains TEXT), `limit=N` (the first N by name), or `all`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gensim.errors import UsageError

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TaskData:
    """One task of a run: the pinned version and the dataset its demos come from."""

    task: str
    version: int
    version_id: int
    code_hash: str
    origin: str
    dataset_id: int | None
    dataset_path: str
    digest: str
    episodes: int  # used by the run (the first N of the dataset)
    code: str | None = None  # non-built-in code (rollouts run it in the sandbox)
    entry_point: str = ""
    robot: str = "none"  # the embodiment its dataset was made with (see `gensim.data.demos`)


def query_tasks(query: str, *, url: str | None = None) -> list[tuple[str, int]]:
    """(name, version) of the newest admitted version of each task matching QUERY."""
    from gensim.db import repository as repo

    origin: str | None = None
    campaign: int | None = None
    tags: list[str] = []
    contains: list[str] = []
    limit: int | None = None
    for part in (p.strip() for p in query.split(",")):
        if not part or part == "all":
            continue
        key, sep, value = part.partition("~") if "~" in part else part.partition("=")
        if not sep or not value:
            raise UsageError(f"bad task query '{part}': expected origin=, campaign=, tag=, "
                             "name~, limit= or all")
        if key == "origin":
            origin = value
        elif key == "campaign" and value.isdigit():
            campaign = int(value)
        elif key == "tag":
            tags.append(value)
        elif key == "name" and sep == "~":
            contains.append(value)
        elif key == "limit" and value.isdigit():
            limit = int(value)
        else:
            raise UsageError(f"bad task query '{part}': expected origin=, campaign=, tag=, "
                             "name~, limit= or all")
    tasks = {t.id: t for t in repo.list_tasks(origin=origin, url=url)}
    versions = repo.list_versions(status="admitted", campaign_id=campaign, latest_only=True, url=url)
    found = sorted(
        (tasks[v.task_id].name, v.version) for v in versions
        if v.task_id in tasks and all(tag in tasks[v.task_id].tags for tag in tags)
        and all(text in tasks[v.task_id].name for text in contains)
    )
    if limit is not None:
        found = found[:limit]
    if not found:
        raise UsageError(f"no admitted task in the DB matches '{query}'")
    return found


def resolve_tasks(tasks: list[str], query: str | None) -> list[tuple[str, int | None]]:
    """(name, version or None) of the run's tasks: the names given, or the DB query's matches."""
    if tasks and query:
        raise UsageError("give --tasks or --tasks-from-db, not both")
    if query:
        return [(name, version) for name, version in query_tasks(query)]
    if not tasks:
        raise UsageError("no tasks: give --tasks a,b,c or --tasks-from-db QUERY")
    names = [t.strip() for t in tasks if t.strip()]
    if len(set(names)) != len(names):
        raise UsageError("a task is named twice in --tasks")
    return [(name, None) for name in names]


def prepare_task(name: str, version: int | None, demos: int, split: str = "train", *,
                 workers: int = 1, progress: Progress | None = None, robot: str = "none") -> TaskData:
    """The task pinned at `version` and a dataset of `split`, made with `robot`, holding at
    least `demos` episodes.

    An existing dataset with enough episodes, whose newest DB row matches its files, is used
    as it is; otherwise `gensim.data.demos.make_demos` makes (or tops up) and records it.
    """
    from gensim.data.catalog import dataset_name, default_root, pin_task
    from gensim.data.writer import dataset_digest
    from gensim.db import provenance

    pinned = pin_task(name, version)
    root = default_root(pinned, split, robot)
    row: Any = None
    if root.is_dir():
        require_robot(root, robot)
        rows = provenance.find_datasets(dataset_name(pinned, split, robot))
        digest = dataset_digest(root)
        row = next((r for r in rows if r.digest == digest and r.n_episodes >= demos), None)
    if row is None:
        from gensim.data.demos import make_demos

        if progress is not None:
            progress(f"making {demos} {split} demos of {pinned.name} v{pinned.version}")
        report = make_demos(pinned.name, demos, split, workers=workers, version=pinned.version, robot=robot)
        if report.episodes < demos:
            raise UsageError(f"only {report.episodes} of {demos} demos of {pinned.name} could be "
                             f"made ({report.stopped or 'the expert failed'})")
        row = provenance.get_dataset(report.dataset_id) if report.dataset_id else None
        path, digest_now = report.path, report.digest
    else:
        path, digest_now = str(root), str(row.digest)
    return TaskData(task=pinned.name, version=pinned.version, version_id=pinned.version_id,
                    code_hash=pinned.code_hash, origin=pinned.origin,
                    dataset_id=None if row is None else row.id, dataset_path=str(Path(path)),
                    digest=digest_now, episodes=demos, code=pinned.code,
                    entry_point=pinned.entry_point, robot=robot)


def require_robot(root: Path, robot: str) -> None:
    """`UsageError` (one line) when the dataset folder `root` was made with another robot than
    `robot`: a policy is trained and evaluated on the embodiment of its demos."""
    import json

    from gensim.data.catalog import dataset_robot
    from gensim.data.writer import HEADER

    header = root / HEADER
    if not header.is_file():
        return
    made = dataset_robot(json.loads(header.read_text()))
    if made != robot:
        raise UsageError(f"dataset {root} was made with --robot {made}, this run uses --robot {robot}: "
                         "train and evaluate on the embodiment of the demos")
