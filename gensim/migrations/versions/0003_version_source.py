"""Task versions record where their code came from (`source`: an imported file's path, sha256, commit).

Existing versions get an empty record (`{}`): nothing was recorded when they were stored.

Revision ID: 0003
Revises: 0002
Created: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite supports it with a constant default): a batch copy of the
    # table would drop the table that lineage, results and datasets point at.
    op.add_column("task_version", sa.Column("source", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column("task_version", "source")  # SQLite 3.35+ drops a column in place
