"""Typed reads and writes of tasks, task versions, lineage and validation results.

Every function opens its own short transaction (`session_scope`), makes sure the schema is at
head (once per process), and returns plain detached model objects (`expire_on_commit=False`):
their columns stay readable after the call; they have no lazy relationships. Pass `url=` to
use a database other than the configured one. Bad names and values raise `UsageError` /
`UnknownNameError`. Validation results, campaigns, datasets and checkpoints are in `gensim.db.provenance`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func
from sqlmodel import Session, col, select

from gensim.db.models import (
    GenerationCampaign,
    Origin,
    Task,
    TaskVersion,
    TaskVersionParent,
    ValidationResult,
    VersionStatus,
)
from gensim.db.session import run_write, session_scope
from gensim.errors import UnknownNameError, UsageError


@dataclass(frozen=True)
class StageResult:
    """One validation stage's outcome, stored with a new version (`add_task_version(results=)`)."""

    stage: str
    passed: bool
    seconds: float = 0.0  # wall-clock time of the stage
    error: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def code_hash(code: str) -> str:
    """The sha256 hex digest of a task's code text (what `TaskVersion.code_hash` holds)."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def check_choice(kind: str, value: str, allowed: type[Any]) -> str:
    """`value` if it is one of the enum `allowed`'s values, else a UsageError naming them."""
    values = [member.value for member in allowed]
    if value not in values:
        raise UsageError(f"unknown {kind} '{value}'; expected one of {', '.join(values)}")
    return value


def check_task_name(name: str) -> str:
    """`name` if it is a kebab-case task id (`build-car`), else a UsageError."""
    if not _NAME.match(name or "") or len(name) > 200:
        raise UsageError(f"bad task name '{name}': use lowercase kebab-case, e.g. 'build-car'")
    return name


# Tasks -----------------------------------------------------------------------------------


def _task_by_name(session: Session, name: str, *, lock: bool = False) -> Task | None:
    query = select(Task).where(Task.name == name)
    if lock:  # PostgreSQL: serialise version allocation per task (SQLite locks the file)
        query = query.with_for_update()
    return session.exec(query).first()


def _require_task(session: Session, name: str) -> Task:
    task = _task_by_name(session, name)
    if task is None:
        raise UnknownNameError("task", name, session.exec(select(Task.name)).all())
    return task


def _reserved_names(session: Session) -> set[str]:
    from gensim.tasks.names import builtin_names

    stored = session.exec(select(Task.name).where(Task.origin == Origin.BUILTIN.value)).all()
    return set(builtin_names()) | set(stored)


def _name_for(session: Session, name: str, origin: str) -> str:
    from gensim.tasks.names import look_alike, suffixed_name

    if origin == Origin.BUILTIN:
        return name
    reserved = _reserved_names(session)
    attempt = 0
    candidate = name
    while True:
        like = look_alike(candidate, reserved)
        task = None if like is not None else _task_by_name(session, candidate)
        if like is None and (task is None or task.origin == origin):
            return candidate
        attempt += 1
        candidate = suffixed_name(name, origin, attempt)


def name_for(name: str, origin: str, *, url: str | None = None) -> str:
    """The name under which a new `origin` version of `name` is stored: the naming rule.

    A task has one origin. A built-in's name, or a look-alike of one (`gensim.tasks.names`), is
    never given to a generated or imported task, and a name held by a task of another origin
    is not either: such a name gets the origin as suffix (`build-car` -> `build-car-generated`,
    then `-generated-2`...). Every writer of task versions goes through this rule
    (`add_task_version`, `get_or_create_task`); callers use it up front to know the name.
    """
    check_task_name(name)
    check_choice("origin", origin, Origin)
    with session_scope(url) as session:
        return _name_for(session, name, origin)


def _get_or_create(session: Session, name: str, origin: str, tags: Sequence[str]) -> Task:
    task = _task_by_name(session, name, lock=True)
    if task is None:
        task = Task(name=name, origin=origin, tags=list(tags))
        session.add(task)
        session.flush()  # a concurrent creator makes this raise IntegrityError -> retry
        task = _task_by_name(session, name, lock=True) or task
    return task


def get_or_create_task(
    name: str, origin: str = Origin.GENERATED, tags: Sequence[str] = (), *, url: str | None = None
) -> Task:
    """The task called `name` (after the naming rule of `name_for`), created with `origin` and
    `tags` if it does not exist yet."""
    check_task_name(name)
    check_choice("origin", origin, Origin)
    return run_write(lambda s: _get_or_create(s, _name_for(s, name, origin), origin, tags), url)


def get_task(name: str, *, url: str | None = None) -> Task:
    """The task called `name`; `UnknownNameError` naming the closest known tasks otherwise."""
    with session_scope(url) as session:
        return _require_task(session, name)


def set_task_tags(name: str, tags: Sequence[str], *, url: str | None = None) -> Task:
    """Replace a task's tags."""

    def write(session: Session) -> Task:
        task = _require_task(session, name)
        task.tags = list(tags)
        session.add(task)
        return task

    return run_write(write, url)


def list_tasks(
    origin: str | None = None, status: str | None = None, *, url: str | None = None
) -> list[Task]:
    """Tasks by name; `status` keeps those with at least one version in that status."""
    query = select(Task).order_by(col(Task.name))
    if origin is not None:
        query = query.where(Task.origin == check_choice("origin", origin, Origin))
    if status is not None:
        check_choice("status", status, VersionStatus)
        having = select(TaskVersion.task_id).where(TaskVersion.status == status)
        query = query.where(col(Task.id).in_(having))
    with session_scope(url) as session:
        return list(session.exec(query).all())


def task_names(task_ids: Iterable[int], *, url: str | None = None) -> dict[int, str]:
    """Task id -> name for the given ids (to label lists of versions in one query)."""
    ids = sorted(set(task_ids))
    if not ids:
        return {}
    with session_scope(url) as session:
        rows = session.exec(select(Task.id, Task.name).where(col(Task.id).in_(ids)))
        return {task_id: name for task_id, name in rows if task_id is not None}


# Versions --------------------------------------------------------------------------------


def add_task_version(
    task_name: str,
    code: str,
    description: str = "",
    *,
    origin: str = Origin.GENERATED,
    tags: Sequence[str] = (),
    parents: Sequence[tuple[int, str]] = (),
    status: str = VersionStatus.CANDIDATE,
    assets: Sequence[str] = (),
    prompts: Mapping[str, str] | None = None,
    provider: str | None = None,
    model: str | None = None,
    success_rate: float | None = None,
    seeds: Sequence[int] = (),
    campaign_id: int | None = None,
    mlflow_run_id: str | None = None,
    source: Mapping[str, Any] | None = None,
    rejection: tuple[str, str | None] | None = None,
    results: Sequence[StageResult] = (),
    url: str | None = None,
) -> TaskVersion:
    """Store a new version of `task_name` (the task is created on first use with `origin`/`tags`).

    `source` says where the code came from (an import: file, sha256, commit); `rejection` is
    the (stage, reason) of a rejected version and `results` its validation results: all are
    written in the same transaction as the version, so an interrupted caller never leaves a
    version without its verdict.

    The task's name obeys the naming rule (`name_for`): a generated or imported version never
    lands on a built-in task or a task of another origin; read the stored name back with
    `task_names([version.task_id])`.

    The version number is the task's highest plus one, allocated inside the write transaction
    (retried if a concurrent writer took it). `parents` are `(parent_version_id, relation)`
    pairs, relation e.g. "few-shot", "repair", "curriculum", "edit".
    """
    check_task_name(task_name)
    check_choice("origin", origin, Origin)
    check_choice("status", status, VersionStatus)
    links = {int(parent_id): relation for parent_id, relation in parents}

    columns = dict(
        description=description,
        assets=list(assets),
        prompts=dict(prompts or {}),
        provider=provider,
        model=model,
        status=str(status),
        success_rate=success_rate,
        seeds=[int(seed) for seed in seeds],
        campaign_id=campaign_id,
        mlflow_run_id=mlflow_run_id,
        source=dict(source or {}),
        rejection_stage=rejection[0] if rejection else None,
        rejection_reason=rejection[1] if rejection else None,
    )

    def write(session: Session) -> TaskVersion:
        task = _get_or_create(session, _name_for(session, task_name, origin), origin, tags)
        require_versions(session, links)
        if campaign_id is not None and session.get(GenerationCampaign, campaign_id) is None:
            raise UsageError(f"unknown generation campaign {campaign_id}")
        row = _insert_version(session, task, code, links, columns)
        for r in results:
            session.add(ValidationResult(version_id=row.id, stage=r.stage, passed=r.passed,  # type: ignore[arg-type]
                                         seconds=r.seconds, error=r.error, details=dict(r.details)))
        return row

    return run_write(write, url)


def _insert_version(
    session: Session, task: Task, code: str, links: Mapping[int, str], columns: Mapping[str, Any]
) -> TaskVersion:
    latest = session.exec(
        select(func.max(TaskVersion.version)).where(TaskVersion.task_id == task.id)
    ).one()
    row = TaskVersion(
        task_id=task.id,  # type: ignore[arg-type]
        version=(latest or 0) + 1,
        code=code,
        code_hash=code_hash(code),
        **columns,
    )
    session.add(row)
    session.flush()  # a concurrent writer that took this number makes this raise -> retry
    for parent_id, relation in links.items():
        session.add(
            TaskVersionParent(
                child_version_id=row.id,  # type: ignore[arg-type]
                parent_version_id=parent_id,
                relation=relation,
            )
        )
    return row


def require_versions(session: Session, ids: Iterable[int]) -> None:
    """Raise UsageError unless every id names a task version (inside an open session)."""
    wanted = set(ids)
    if not wanted:
        return
    found = set(session.exec(select(TaskVersion.id).where(col(TaskVersion.id).in_(wanted))))
    missing = sorted(wanted - found)
    if missing:
        raise UsageError(f"unknown task version id(s) {', '.join(map(str, missing))}")


def require_version(session: Session, version_id: int) -> TaskVersion:
    """The task version with this id, read in an open session; UsageError if none."""
    row = session.get(TaskVersion, version_id)
    if row is None:
        raise UsageError(f"unknown task version id {version_id}")
    return row


def get_version(version_id: int, *, url: str | None = None) -> TaskVersion:
    """The task version with this id."""
    with session_scope(url) as session:
        return require_version(session, version_id)


def get_task_version(
    name: str, version: int | None = None, status: str | None = None, *, url: str | None = None
) -> TaskVersion:
    """Version `version` of task `name`, or its latest one (in `status`, when given)."""
    if status is not None:
        check_choice("status", status, VersionStatus)
    with session_scope(url) as session:
        task = _require_task(session, name)
        query = select(TaskVersion).where(TaskVersion.task_id == task.id)
        if version is not None:
            query = query.where(TaskVersion.version == version)
        if status is not None:
            query = query.where(TaskVersion.status == status)
        row = session.exec(query.order_by(col(TaskVersion.version).desc())).first()
    if row is None:
        which = f"version {version}" if version is not None else "version"
        raise UsageError(f"task '{name}' has no {status + ' ' if status else ''}{which}")
    return row


def find_version_by_code_hash(digest: str, *, url: str | None = None) -> TaskVersion | None:
    """The oldest version whose code has this sha256 digest (see `code_hash`), if any."""
    with session_scope(url) as session:
        query = (
            select(TaskVersion).where(TaskVersion.code_hash == digest).order_by(col(TaskVersion.id))
        )
        return session.exec(query).first()


def list_versions(
    task_name: str | None = None,
    *,
    status: str | None = None,
    campaign_id: int | None = None,
    latest_only: bool = False,
    url: str | None = None,
) -> list[TaskVersion]:
    """Versions ordered by task and number; `latest_only` keeps each task's newest match."""
    filters: list[Any] = []
    if status is not None:
        filters.append(TaskVersion.status == check_choice("status", status, VersionStatus))
    if campaign_id is not None:
        filters.append(TaskVersion.campaign_id == campaign_id)
    with session_scope(url) as session:
        if task_name is not None:
            filters.append(TaskVersion.task_id == _require_task(session, task_name).id)
        query = select(TaskVersion).where(*filters)
        if latest_only:
            newest = (
                select(TaskVersion.task_id, func.max(TaskVersion.version).label("v"))
                .where(*filters)
                .group_by(col(TaskVersion.task_id))
                .subquery()
            )
            query = query.join(
                newest,
                (col(TaskVersion.task_id) == newest.c.task_id)
                & (col(TaskVersion.version) == newest.c.v),
            )
        query = query.order_by(col(TaskVersion.task_id), col(TaskVersion.version))
        return list(session.exec(query).all())


def set_version_status(
    version_id: int,
    status: str,
    *,
    stage: str | None = None,
    reason: str | None = None,
    url: str | None = None,
) -> TaskVersion:
    """Set a version's status; `stage`/`reason` say why it was rejected (cleared otherwise)."""
    check_choice("status", status, VersionStatus)

    def write(session: Session) -> TaskVersion:
        row = require_version(session, version_id)
        row.status = str(status)
        rejected = status == VersionStatus.REJECTED
        row.rejection_stage = stage if rejected else None
        row.rejection_reason = reason if rejected else None
        session.add(row)
        return row

    return run_write(write, url)


def set_versions_run(version_ids: list[int], *, run_id: str, url: str | None = None) -> None:
    """Name the MLflow run of task versions (a campaign's deferred candidate run), in one transaction."""

    def write(session: Session) -> None:
        for version_id in version_ids:
            row = require_version(session, int(version_id))
            row.mlflow_run_id = run_id
            session.add(row)

    run_write(write, url)


_UPDATABLE = {"description", "success_rate", "seeds", "embedding_id", "mlflow_run_id", "assets"}


def update_version(version_id: int, *, url: str | None = None, **fields: Any) -> TaskVersion:
    """Set some of: description, success_rate, seeds, embedding_id, mlflow_run_id, assets."""
    unknown = sorted(set(fields) - _UPDATABLE)
    if unknown:
        raise UsageError(f"cannot update task version field(s) {', '.join(unknown)}")

    def write(session: Session) -> TaskVersion:
        row = require_version(session, version_id)
        for name, value in fields.items():
            setattr(row, name, list(value) if name in ("seeds", "assets") else value)
        session.add(row)
        return row

    return run_write(write, url)


# Lineage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedVersion:
    """A related task version and how it is related (e.g. "repair")."""

    version: TaskVersion
    relation: str


def _linked(version_id: int, url: str | None, *, parents: bool) -> list[LinkedVersion]:
    child, parent = (
        col(TaskVersionParent.child_version_id),
        col(TaskVersionParent.parent_version_id),
    )
    mine, other = (child, parent) if parents else (parent, child)
    with session_scope(url) as session:
        require_version(session, version_id)
        query = (
            select(TaskVersion, TaskVersionParent.relation)
            .join(TaskVersionParent, other == col(TaskVersion.id))
            .where(mine == version_id)
            .order_by(col(TaskVersion.id))
        )
        return [LinkedVersion(row, relation) for row, relation in session.exec(query)]


def parents_of(version_id: int, *, url: str | None = None) -> list[LinkedVersion]:
    """The versions this version was written from."""
    return _linked(version_id, url, parents=True)


def children_of(version_id: int, *, url: str | None = None) -> list[LinkedVersion]:
    """The versions written from this version."""
    return _linked(version_id, url, parents=False)


# Built-in tasks --------------------------------------------------------------------------


class BuiltinLike(Protocol):
    """What `sync_builtin_tasks` reads from a built-in task spec (`gensim.tasks.spec.TaskSpec`
    fits; an `entry_point` attribute is used when `code` is None)."""

    @property
    def name(self) -> str: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def description(self) -> str: ...
    @property
    def code(self) -> str | None: ...


@dataclass
class SyncReport:
    """Names of built-in tasks that `sync_builtin_tasks` created, gave a new version, or left."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def sync_builtin_tasks(specs: Iterable[BuiltinLike], *, url: str | None = None) -> SyncReport:
    """Make every spec a builtin Task whose latest admitted version has the spec's code.

    The code is `spec.code`, or else the text of the module file named by `spec.entry_point`
    ("package.module:Class"; found without importing the module). A changed file gets a new
    admitted version; running it again changes nothing. Each task is checked and written in
    one transaction, so concurrent syncs do not duplicate versions.
    """
    report = SyncReport()
    for spec in specs:
        check_task_name(spec.name)
        code = _spec_code(spec)
        outcome = run_write(functools.partial(_sync_one, spec=spec, code=code), url)
        getattr(report, outcome).append(spec.name)
    return report


def _spec_code(spec: BuiltinLike) -> str:
    if spec.code is not None:
        return spec.code
    module = str(getattr(spec, "entry_point", "") or "").partition(":")[0]
    try:
        found = importlib.util.find_spec(module) if module else None
    except (ImportError, ValueError):
        found = None
    if found is None or not found.origin or not found.origin.endswith(".py"):
        raise UsageError(f"built-in task '{spec.name}' has no code text or module file to store")
    return Path(found.origin).read_text(encoding="utf-8")


def _sync_one(session: Session, *, spec: BuiltinLike, code: str) -> str:
    from gensim.tasks.names import suffixed_name

    tags = list(spec.tags)
    task = _task_by_name(session, spec.name, lock=True)
    if task is not None and task.origin != Origin.BUILTIN:
        # A name that became a built-in's after a task of another origin took it: that task
        # moves to its suffixed name (the naming rule), the built-in gets its own.
        attempt = 1
        while _task_by_name(session, suffixed_name(spec.name, task.origin, attempt)) is not None:
            attempt += 1
        task.name = suffixed_name(spec.name, task.origin, attempt)
        session.add(task)
        session.flush()
        task = None
    outcome = "created" if task is None else "updated"
    if task is None:
        task = _get_or_create(session, spec.name, Origin.BUILTIN, tags)
    else:
        # Compare with the newest version this sync wrote (no provider, no campaign). Since
        # the naming rule, only syncs write versions of a built-in task; older databases are
        # cleaned by migration 0002 (generated and imported versions moved to their own task).
        latest = session.exec(
            select(TaskVersion.code_hash)
            .where(TaskVersion.task_id == task.id, TaskVersion.status == VersionStatus.ADMITTED,
                   col(TaskVersion.provider).is_(None), col(TaskVersion.campaign_id).is_(None))
            .order_by(col(TaskVersion.version).desc())
        ).first()
        if task.tags != tags:
            task.tags = tags
            session.add(task)
        if latest == code_hash(code):
            return "unchanged"
    columns = {"description": spec.description, "status": VersionStatus.ADMITTED.value}
    _insert_version(session, task, code, {}, columns)
    return outcome
