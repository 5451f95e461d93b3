"""Read-only summaries for the task library browser (`gensim.web`): every version without its
code, every lineage edge, every verdict's stage and outcome, in one query each.

A page over 1,000 tasks needs a few thousand small rows, not the code of each version; these
reads skip the `code` column and return frozen records (no ORM objects). Works on SQLite and
PostgreSQL alike (through `session_scope`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select as select_columns
from sqlmodel import col, select

from gensim.db.models import Task, TaskVersion, TaskVersionParent, ValidationResult
from gensim.db.session import session_scope


@dataclass(frozen=True)
class VersionSummary:
    """One task version with its task's name, origin and tags; no code."""

    id: int
    task_id: int
    name: str
    origin: str
    tags: tuple[str, ...]
    version: int
    status: str
    rejection_stage: str | None
    rejection_reason: str | None
    description: str
    code_hash: str
    provider: str | None
    model: str | None
    success_rate: float | None
    campaign_id: int | None
    mlflow_run_id: str | None
    created_at: datetime


def version_summaries(*, url: str | None = None) -> list[VersionSummary]:
    """Every task version, ordered by task name and version number."""
    columns: list[Any] = [
        TaskVersion.id, TaskVersion.task_id, Task.name, Task.origin, Task.tags,
        TaskVersion.version, TaskVersion.status, TaskVersion.rejection_stage,
        TaskVersion.rejection_reason, TaskVersion.description, TaskVersion.code_hash,
        TaskVersion.provider, TaskVersion.model, TaskVersion.success_rate,
        TaskVersion.campaign_id, TaskVersion.mlflow_run_id, TaskVersion.created_at,
    ]
    query = (
        select_columns(*columns)
        .join(Task, col(Task.id) == col(TaskVersion.task_id))
        .order_by(col(Task.name), col(TaskVersion.version))
    )
    with session_scope(url) as session:
        rows = session.execute(query).all()  # more columns than sqlmodel's typed select takes
    return [
        VersionSummary(
            id=int(r[0]), task_id=int(r[1]), name=r[2], origin=r[3], tags=tuple(r[4] or ()),
            version=int(r[5]), status=r[6], rejection_stage=r[7], rejection_reason=r[8],
            description=r[9] or "", code_hash=r[10], provider=r[11], model=r[12],
            success_rate=r[13], campaign_id=r[14], mlflow_run_id=r[15], created_at=r[16],
        )
        for r in rows
    ]


def lineage_edges(*, url: str | None = None) -> list[tuple[int, int, str]]:
    """Every (child version id, parent version id, relation) link."""
    query = select(
        TaskVersionParent.child_version_id, TaskVersionParent.parent_version_id,
        TaskVersionParent.relation,
    )
    with session_scope(url) as session:
        return [(int(c), int(p), str(r)) for c, p, r in session.exec(query).all()]


def stage_outcomes(*, url: str | None = None) -> list[tuple[int, str, bool]]:
    """Every recorded (version id, stage, passed), oldest first (for funnels)."""
    query = select(ValidationResult.version_id, ValidationResult.stage, ValidationResult.passed)
    with session_scope(url) as session:
        rows = session.exec(query.order_by(col(ValidationResult.id))).all()
    return [(int(v), str(s), bool(p)) for v, s, p in rows]
