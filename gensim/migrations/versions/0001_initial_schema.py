"""Initial schema: tasks, versions, lineage, validation, campaigns, datasets, checkpoints.

Revision ID: 0001
Revises:
Created: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString for str columns
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dataset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("split", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("n_episodes", sa.Integer(), nullable=False),
        sa.Column("seeds", sa.JSON(), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("mlflow_run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset")),
    )
    op.create_index(op.f("ix_dataset_name"), "dataset", ["name"], unique=False)

    op.create_table(
        "generation_campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("mlflow_run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generation_campaign")),
    )
    op.create_index(
        op.f("ix_generation_campaign_status"), "generation_campaign", ["status"], unique=False
    )

    op.create_table(
        "policy_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column(
            "registered_model_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column(
            "registered_model_version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True
        ),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("mlflow_run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_checkpoint")),
    )
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
    )
    op.create_index(op.f("ix_task_name"), "task", ["name"], unique=True)

    op.create_table(
        "checkpoint_dataset",
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["policy_checkpoint.id"],
            name=op.f("fk_checkpoint_dataset_checkpoint_id_policy_checkpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["dataset.id"], name=op.f("fk_checkpoint_dataset_dataset_id_dataset")
        ),
        sa.PrimaryKeyConstraint("checkpoint_id", "dataset_id", name=op.f("pk_checkpoint_dataset")),
    )
    op.create_index(
        op.f("ix_checkpoint_dataset_dataset_id"), "checkpoint_dataset", ["dataset_id"], unique=False
    )

    op.create_table(
        "task_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("assets", sa.JSON(), nullable=False),
        sa.Column("prompts", sa.JSON(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("rejection_stage", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("success_rate", sa.Float(), nullable=True),
        sa.Column("seeds", sa.JSON(), nullable=False),
        sa.Column("embedding_id", sa.Integer(), nullable=True),
        sa.Column("mlflow_run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["generation_campaign.id"],
            name=op.f("fk_task_version_campaign_id_generation_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_task_version_task_id_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_version")),
        sa.UniqueConstraint("task_id", "version", name=op.f("uq_task_version_task_id_version")),
    )
    op.create_index(
        op.f("ix_task_version_campaign_id"), "task_version", ["campaign_id"], unique=False
    )
    op.create_index(op.f("ix_task_version_code_hash"), "task_version", ["code_hash"], unique=False)
    op.create_index(op.f("ix_task_version_status"), "task_version", ["status"], unique=False)
    op.create_index(op.f("ix_task_version_task_id"), "task_version", ["task_id"], unique=False)

    op.create_table(
        "checkpoint_source",
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["policy_checkpoint.id"],
            name=op.f("fk_checkpoint_source_checkpoint_id_policy_checkpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["task_version.id"],
            name=op.f("fk_checkpoint_source_version_id_task_version"),
        ),
        sa.PrimaryKeyConstraint("checkpoint_id", "version_id", name=op.f("pk_checkpoint_source")),
    )
    op.create_index(
        op.f("ix_checkpoint_source_version_id"), "checkpoint_source", ["version_id"], unique=False
    )

    op.create_table(
        "dataset_source",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["dataset.id"], name=op.f("fk_dataset_source_dataset_id_dataset")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["task_version.id"],
            name=op.f("fk_dataset_source_version_id_task_version"),
        ),
        sa.PrimaryKeyConstraint("dataset_id", "version_id", name=op.f("pk_dataset_source")),
    )
    op.create_index(
        op.f("ix_dataset_source_version_id"), "dataset_source", ["version_id"], unique=False
    )

    op.create_table(
        "task_version_parent",
        sa.Column("child_version_id", sa.Integer(), nullable=False),
        sa.Column("parent_version_id", sa.Integer(), nullable=False),
        sa.Column("relation", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_version_id"],
            ["task_version.id"],
            name=op.f("fk_task_version_parent_child_version_id_task_version"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_version_id"],
            ["task_version.id"],
            name=op.f("fk_task_version_parent_parent_version_id_task_version"),
        ),
        sa.PrimaryKeyConstraint(
            "child_version_id", "parent_version_id", name=op.f("pk_task_version_parent")
        ),
    )
    op.create_index(
        op.f("ix_task_version_parent_parent_version_id"),
        "task_version_parent",
        ["parent_version_id"],
        unique=False,
    )

    op.create_table(
        "validation_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["task_version.id"],
            name=op.f("fk_validation_result_version_id_task_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_result")),
    )
    op.create_index(
        op.f("ix_validation_result_version_id"), "validation_result", ["version_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_validation_result_version_id"), table_name="validation_result")

    op.drop_table("validation_result")
    op.drop_index(
        op.f("ix_task_version_parent_parent_version_id"), table_name="task_version_parent"
    )

    op.drop_table("task_version_parent")
    op.drop_index(op.f("ix_dataset_source_version_id"), table_name="dataset_source")

    op.drop_table("dataset_source")
    op.drop_index(op.f("ix_checkpoint_source_version_id"), table_name="checkpoint_source")

    op.drop_table("checkpoint_source")
    op.drop_index(op.f("ix_task_version_task_id"), table_name="task_version")
    op.drop_index(op.f("ix_task_version_status"), table_name="task_version")
    op.drop_index(op.f("ix_task_version_code_hash"), table_name="task_version")
    op.drop_index(op.f("ix_task_version_campaign_id"), table_name="task_version")

    op.drop_table("task_version")
    op.drop_index(op.f("ix_checkpoint_dataset_dataset_id"), table_name="checkpoint_dataset")

    op.drop_table("checkpoint_dataset")
    op.drop_index(op.f("ix_task_name"), table_name="task")

    op.drop_table("task")
    op.drop_table("policy_checkpoint")
    op.drop_index(op.f("ix_generation_campaign_status"), table_name="generation_campaign")

    op.drop_table("generation_campaign")
    op.drop_index(op.f("ix_dataset_name"), table_name="dataset")

    op.drop_table("dataset")
