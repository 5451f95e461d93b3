"""The task database tables (SQLModel). Schema changes only through Alembic (`migrations/`).

Tables carry plain columns only (no ORM relationships), so rows returned by the repository are
self-contained detached objects. Lineage and provenance live in link tables:
`TaskVersionParent` (version -> parent versions), `DatasetSource` (dataset -> task versions),
`CheckpointSource` (checkpoint -> task versions) and `CheckpointDataset` (checkpoint ->
datasets); each is queried both ways by `gensim.db.repository`.
Times are UTC (SQLite returns them without a time zone).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Deterministic constraint names, so that migrations can drop and alter them on every backend
# (SQLite batch mode needs names to find constraints again).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Origin(StrEnum):
    """Where a task came from."""

    BUILTIN = "builtin"
    GENERATED = "generated"
    IMPORTED = "imported"


class VersionStatus(StrEnum):
    """Where a task version stands in the pipeline."""

    CANDIDATE = "candidate"
    ADMITTED = "admitted"
    REJECTED = "rejected"


class CampaignStatus(StrEnum):
    """State of a generation campaign."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


def utcnow() -> datetime:
    """The current time in UTC (the default of every `created_at`)."""
    return datetime.now(UTC)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


class Task(SQLModel, table=True):
    """A task: a stable kebab-case name with many versions."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)  # e.g. "build-car"
    origin: str = Field(max_length=16)  # an `Origin`
    tags: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    created_at: datetime = _created()


class GenerationCampaign(SQLModel, table=True):
    """One run of the generation pipeline (one MLflow parent run)."""

    __tablename__ = "generation_campaign"

    id: int | None = Field(default=None, primary_key=True)
    mode: str = Field(max_length=64)  # e.g. "bottomup", "topdown-cot"
    target: str | None = Field(default=None, max_length=200)  # target task name, top-down modes
    provider: str = Field(max_length=64)
    model: str = Field(max_length=200)
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    status: str = Field(default=CampaignStatus.RUNNING.value, max_length=16, index=True)
    counts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    mlflow_run_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _created()
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class TaskVersion(SQLModel, table=True):
    """One version of a task's code, with its provenance and verdict."""

    __tablename__ = "task_version"
    __table_args__ = (UniqueConstraint("task_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    version: int  # 1, 2, ... per task
    code: str = Field(sa_type=Text)
    code_hash: str = Field(max_length=64, index=True)  # sha256 hex of `code`
    description: str = Field(default="", sa_type=Text)
    assets: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    # prompt name -> content hash of the prompt file that produced the code
    prompts: dict[str, str] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    provider: str | None = Field(default=None, max_length=64)
    model: str | None = Field(default=None, max_length=200)
    status: str = Field(default=VersionStatus.CANDIDATE.value, max_length=16, index=True)
    rejection_stage: str | None = Field(default=None, max_length=64)
    rejection_reason: str | None = Field(default=None, sa_type=Text)
    success_rate: float | None = None  # expert success over `seeds`, 0..1
    seeds: list[int] = Field(default_factory=list, sa_type=JSON, nullable=False)
    embedding_id: int | None = None  # row id in the retrieval index
    mlflow_run_id: str | None = Field(default=None, max_length=64)
    campaign_id: int | None = Field(default=None, foreign_key="generation_campaign.id", index=True)
    # where the code came from when it was not written here: for an import the file's path,
    # its sha256, the git commit of its checkout if any (see `gensim.generation.source`)
    source: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    created_at: datetime = _created()


class TaskVersionParent(SQLModel, table=True):
    """Lineage: `child_version_id` was written from `parent_version_id` (few-shot, repair...)."""

    __tablename__ = "task_version_parent"

    child_version_id: int = Field(foreign_key="task_version.id", primary_key=True)
    parent_version_id: int = Field(foreign_key="task_version.id", primary_key=True, index=True)
    relation: str = Field(max_length=32)  # "few-shot", "repair", "curriculum", "edit", ...


class ValidationResult(SQLModel, table=True):
    """The outcome of one validation stage of one task version."""

    __tablename__ = "validation_result"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="task_version.id", index=True)
    stage: str = Field(max_length=64)  # e.g. "static", "sandbox", "critic", "novelty"
    passed: bool
    seconds: float = 0.0  # wall-clock time of the stage
    error: str | None = Field(default=None, sa_type=Text)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    created_at: datetime = _created()


class Dataset(SQLModel, table=True):
    """A demonstration dataset on disk, made from one or more task versions."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    path: str = Field(sa_type=Text)
    split: str = Field(default="train", max_length=16)  # train | val | test
    n_episodes: int = 0
    seeds: list[int] = Field(default_factory=list, sa_type=JSON, nullable=False)
    digest: str | None = Field(default=None, max_length=128)  # content digest of the files
    size_bytes: int = Field(default=0, sa_type=BigInteger)  # total size on disk (bytes)
    mlflow_run_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _created()


class DatasetSource(SQLModel, table=True):
    """Link: a dataset holds episodes of a task version."""

    __tablename__ = "dataset_source"

    dataset_id: int = Field(foreign_key="dataset.id", primary_key=True)
    version_id: int = Field(foreign_key="task_version.id", primary_key=True, index=True)


class PolicyCheckpoint(SQLModel, table=True):
    """A trained policy checkpoint and, optionally, its registered MLflow model version."""

    __tablename__ = "policy_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(sa_type=Text)
    registered_model_name: str | None = Field(default=None, max_length=200)
    registered_model_version: str | None = Field(default=None, max_length=32)
    metrics: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    mlflow_run_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _created()


class CheckpointSource(SQLModel, table=True):
    """Link: a checkpoint was trained on (episodes of) a task version."""

    __tablename__ = "checkpoint_source"

    checkpoint_id: int = Field(foreign_key="policy_checkpoint.id", primary_key=True)
    version_id: int = Field(foreign_key="task_version.id", primary_key=True, index=True)


class CheckpointDataset(SQLModel, table=True):
    """Link: a checkpoint was trained on a dataset."""

    __tablename__ = "checkpoint_dataset"

    checkpoint_id: int = Field(foreign_key="policy_checkpoint.id", primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", primary_key=True, index=True)


def id_of(row: Any) -> int:
    """The primary key of a stored row (rows returned by the repository always have one)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id: it was never stored")
    return int(row.id)
