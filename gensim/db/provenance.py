"""Typed reads and writes of what happens to task versions: validation results, generation
campaigns, demonstration datasets and policy checkpoints, with lineage both ways
(version -> datasets -> checkpoints and back).

Same conventions as `gensim.db.repository`: one short transaction per call, detached model
objects returned, `url=` for a database other than the configured one, `UsageError` on bad
ids and values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from gensim.db.models import (
    CampaignStatus,
    CheckpointDataset,
    CheckpointSource,
    Dataset,
    DatasetSource,
    GenerationCampaign,
    PolicyCheckpoint,
    TaskVersion,
    ValidationResult,
    utcnow,
)
from gensim.db.repository import check_choice, require_version, require_versions
from gensim.db.session import run_write, session_scope
from gensim.errors import UsageError

# Validation results ----------------------------------------------------------------------


def add_validation_result(
    version_id: int,
    stage: str,
    passed: bool,
    *,
    seconds: float = 0.0,
    error: str | None = None,
    details: Mapping[str, Any] | None = None,
    url: str | None = None,
) -> ValidationResult:
    """Record the outcome of one validation stage of a version."""

    def write(session: Session) -> ValidationResult:
        require_version(session, version_id)
        row = ValidationResult(
            version_id=version_id,
            stage=stage,
            passed=passed,
            seconds=seconds,
            error=error,
            details=dict(details or {}),
        )
        session.add(row)
        return row

    return run_write(write, url)


def validation_results(version_id: int, *, url: str | None = None) -> list[ValidationResult]:
    """A version's validation results in the order they were recorded."""
    with session_scope(url) as session:
        query = select(ValidationResult).where(ValidationResult.version_id == version_id)
        return list(session.exec(query.order_by(col(ValidationResult.id))).all())


# Generation campaigns --------------------------------------------------------------------


def create_campaign(
    mode: str,
    *,
    provider: str,
    model: str,
    target: str | None = None,
    settings: Mapping[str, Any] | None = None,
    mlflow_run_id: str | None = None,
    url: str | None = None,
) -> GenerationCampaign:
    """Start recording a generation campaign (status "running")."""

    def write(session: Session) -> GenerationCampaign:
        row = GenerationCampaign(
            mode=mode,
            target=target,
            provider=provider,
            model=model,
            settings=dict(settings or {}),
            mlflow_run_id=mlflow_run_id,
        )
        session.add(row)
        return row

    return run_write(write, url)


def _require_campaign(session: Session, campaign_id: int) -> GenerationCampaign:
    row = session.get(GenerationCampaign, campaign_id)
    if row is None:
        raise UsageError(f"unknown generation campaign {campaign_id}")
    return row


def update_campaign(
    campaign_id: int,
    *,
    status: str | None = None,
    counts: Mapping[str, Any] | None = None,
    mlflow_run_id: str | None = None,
    url: str | None = None,
) -> GenerationCampaign:
    """Change a campaign's status, counts (replaced) or run id; leaving "running" stamps the end."""
    if status is not None:
        check_choice("campaign status", status, CampaignStatus)

    def write(session: Session) -> GenerationCampaign:
        row = _require_campaign(session, campaign_id)
        if status is not None:
            row.status = str(status)
            row.finished_at = None if status == CampaignStatus.RUNNING else utcnow()
        if counts is not None:
            row.counts = dict(counts)
        if mlflow_run_id is not None:
            row.mlflow_run_id = mlflow_run_id
        session.add(row)
        return row

    return run_write(write, url)


def get_campaign(campaign_id: int, *, url: str | None = None) -> GenerationCampaign:
    """The campaign with this id."""
    with session_scope(url) as session:
        return _require_campaign(session, campaign_id)


def list_campaigns(
    status: str | None = None, *, limit: int | None = None, url: str | None = None
) -> list[GenerationCampaign]:
    """Campaigns, newest first."""
    query = select(GenerationCampaign).order_by(col(GenerationCampaign.id).desc())
    if status is not None:
        check_choice("campaign status", status, CampaignStatus)
        query = query.where(GenerationCampaign.status == status)
    if limit is not None:
        query = query.limit(limit)
    with session_scope(url) as session:
        return list(session.exec(query).all())


# Datasets --------------------------------------------------------------------------------


def add_dataset(
    name: str,
    path: str,
    version_ids: Iterable[int],
    *,
    split: str = "train",
    n_episodes: int = 0,
    seeds: Sequence[int] = (),
    digest: str | None = None,
    size_bytes: int = 0,
    mlflow_run_id: str | None = None,
    url: str | None = None,
) -> Dataset:
    """Record a dataset on disk made from the given task versions."""
    sources = sorted(set(int(v) for v in version_ids))

    def write(session: Session) -> Dataset:
        require_versions(session, sources)
        row = Dataset(
            name=name,
            path=path,
            split=split,
            n_episodes=n_episodes,
            seeds=[int(seed) for seed in seeds],
            digest=digest,
            size_bytes=size_bytes,
            mlflow_run_id=mlflow_run_id,
        )
        session.add(row)
        session.flush()
        for version_id in sources:
            session.add(DatasetSource(dataset_id=row.id, version_id=version_id))  # type: ignore[arg-type]
        return row

    return run_write(write, url)


def set_campaign_run(campaign_id: int, *, run_id: str, url: str | None = None) -> None:
    """Name the MLflow run of a campaign row (a deferred run is logged after the campaign)."""
    update_campaign(campaign_id, mlflow_run_id=run_id, url=url)


def set_dataset_run(dataset_id: int, *, run_id: str, url: str | None = None) -> None:
    """Name the MLflow run of a dataset row (its run is logged after the row is written)."""

    def write(session: Session) -> None:
        _require_datasets(session, [dataset_id])
        row = session.get(Dataset, dataset_id)
        row.mlflow_run_id = run_id  # type: ignore[union-attr]
        session.add(row)

    run_write(write, url)


def _require_datasets(session: Session, ids: Iterable[int]) -> None:
    wanted = set(ids)
    found = (
        set(session.exec(select(Dataset.id).where(col(Dataset.id).in_(wanted))))
        if wanted
        else set()
    )
    missing = sorted(wanted - found)
    if missing:
        raise UsageError(f"unknown dataset id(s) {', '.join(map(str, missing))}")


def get_dataset(dataset_id: int, *, url: str | None = None) -> Dataset:
    """The dataset with this id."""
    with session_scope(url) as session:
        _require_datasets(session, [dataset_id])
        return session.get(Dataset, dataset_id)  # type: ignore[return-value]


def find_datasets(name: str, *, url: str | None = None) -> list[Dataset]:
    """Datasets called `name`, newest first."""
    with session_scope(url) as session:
        query = select(Dataset).where(Dataset.name == name).order_by(col(Dataset.id).desc())
        return list(session.exec(query).all())


def datasets_for_version(version_id: int, *, url: str | None = None) -> list[Dataset]:
    """The datasets that hold episodes of this task version."""
    with session_scope(url) as session:
        require_version(session, version_id)
        query = (
            select(Dataset)
            .join(DatasetSource, col(DatasetSource.dataset_id) == col(Dataset.id))
            .where(DatasetSource.version_id == version_id)
            .order_by(col(Dataset.id))
        )
        return list(session.exec(query).all())


def versions_of_dataset(dataset_id: int, *, url: str | None = None) -> list[TaskVersion]:
    """The task versions a dataset was made from."""
    with session_scope(url) as session:
        _require_datasets(session, [dataset_id])
        query = (
            select(TaskVersion)
            .join(DatasetSource, col(DatasetSource.version_id) == col(TaskVersion.id))
            .where(DatasetSource.dataset_id == dataset_id)
            .order_by(col(TaskVersion.id))
        )
        return list(session.exec(query).all())


# Policy checkpoints ----------------------------------------------------------------------


def add_checkpoint(
    path: str,
    *,
    version_ids: Iterable[int] = (),
    dataset_ids: Iterable[int] = (),
    registered_model_name: str | None = None,
    registered_model_version: str | None = None,
    metrics: Mapping[str, Any] | None = None,
    mlflow_run_id: str | None = None,
    url: str | None = None,
) -> PolicyCheckpoint:
    """Record a trained checkpoint and the task versions and datasets it was trained on."""
    versions = sorted(set(int(v) for v in version_ids))
    datasets = sorted(set(int(d) for d in dataset_ids))

    def write(session: Session) -> PolicyCheckpoint:
        require_versions(session, versions)
        _require_datasets(session, datasets)
        row = PolicyCheckpoint(
            path=path,
            registered_model_name=registered_model_name,
            registered_model_version=registered_model_version,
            metrics=dict(metrics or {}),
            mlflow_run_id=mlflow_run_id,
        )
        session.add(row)
        session.flush()
        for version_id in versions:
            session.add(CheckpointSource(checkpoint_id=row.id, version_id=version_id))  # type: ignore[arg-type]
        for dataset_id in datasets:
            session.add(CheckpointDataset(checkpoint_id=row.id, dataset_id=dataset_id))  # type: ignore[arg-type]
        return row

    return run_write(write, url)


def _require_checkpoint(session: Session, checkpoint_id: int) -> PolicyCheckpoint:
    row = session.get(PolicyCheckpoint, checkpoint_id)
    if row is None:
        raise UsageError(f"unknown policy checkpoint {checkpoint_id}")
    return row


def get_checkpoint(checkpoint_id: int, *, url: str | None = None) -> PolicyCheckpoint:
    """The checkpoint with this id."""
    with session_scope(url) as session:
        return _require_checkpoint(session, checkpoint_id)


def update_checkpoint(
    checkpoint_id: int,
    *,
    metrics: Mapping[str, Any] | None = None,
    registered_model_name: str | None = None,
    registered_model_version: str | None = None,
    url: str | None = None,
) -> PolicyCheckpoint:
    """Merge `metrics` into a checkpoint's metrics and/or set its registered model."""

    def write(session: Session) -> PolicyCheckpoint:
        row = _require_checkpoint(session, checkpoint_id)
        if metrics:
            row.metrics = {**row.metrics, **metrics}
        if registered_model_name is not None:
            row.registered_model_name = registered_model_name
        if registered_model_version is not None:
            row.registered_model_version = registered_model_version
        session.add(row)
        return row

    return run_write(write, url)


def set_checkpoint_run(checkpoint_id: int, *, run_id: str, model_version: str | None = None,
                       url: str | None = None) -> None:
    """Name the MLflow run of a checkpoint row and the version its run registered (the run is
    logged after the row is written; the version may differ from the predicted one)."""

    def write(session: Session) -> None:
        row = _require_checkpoint(session, checkpoint_id)
        row.mlflow_run_id = run_id
        if model_version is not None:
            row.registered_model_version = model_version
        session.add(row)

    run_write(write, url)


def checkpoints_for_version(version_id: int, *, url: str | None = None) -> list[PolicyCheckpoint]:
    """Checkpoints trained on this task version."""
    with session_scope(url) as session:
        require_version(session, version_id)
        query = (
            select(PolicyCheckpoint)
            .join(CheckpointSource, col(CheckpointSource.checkpoint_id) == col(PolicyCheckpoint.id))
            .where(CheckpointSource.version_id == version_id)
            .order_by(col(PolicyCheckpoint.id))
        )
        return list(session.exec(query).all())


def checkpoints_for_dataset(dataset_id: int, *, url: str | None = None) -> list[PolicyCheckpoint]:
    """Checkpoints trained on this dataset."""
    with session_scope(url) as session:
        _require_datasets(session, [dataset_id])
        query = (
            select(PolicyCheckpoint)
            .join(
                CheckpointDataset, col(CheckpointDataset.checkpoint_id) == col(PolicyCheckpoint.id)
            )
            .where(CheckpointDataset.dataset_id == dataset_id)
            .order_by(col(PolicyCheckpoint.id))
        )
        return list(session.exec(query).all())


def versions_of_checkpoint(checkpoint_id: int, *, url: str | None = None) -> list[TaskVersion]:
    """The task versions a checkpoint was trained on."""
    with session_scope(url) as session:
        _require_checkpoint(session, checkpoint_id)
        query = (
            select(TaskVersion)
            .join(CheckpointSource, col(CheckpointSource.version_id) == col(TaskVersion.id))
            .where(CheckpointSource.checkpoint_id == checkpoint_id)
            .order_by(col(TaskVersion.id))
        )
        return list(session.exec(query).all())


def datasets_of_checkpoint(checkpoint_id: int, *, url: str | None = None) -> list[Dataset]:
    """The datasets a checkpoint was trained on."""
    with session_scope(url) as session:
        _require_checkpoint(session, checkpoint_id)
        query = (
            select(Dataset)
            .join(CheckpointDataset, col(CheckpointDataset.dataset_id) == col(Dataset.id))
            .where(CheckpointDataset.checkpoint_id == checkpoint_id)
            .order_by(col(Dataset.id))
        )
        return list(session.exec(query).all())
