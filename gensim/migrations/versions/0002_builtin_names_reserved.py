"""Built-in names are reserved: generated and imported versions move off built-in tasks.

Before this revision a campaign toward a built-in (`--target build-car`) stored its versions as
new versions of the built-in task (`build-car v3`, labelled builtin), and importing a file named
like a built-in did the same; both moved the built-in's default version. This data migration
moves every such version to a task of its own, named by the naming rule
(`gensim.tasks.names.suffixed_name`): `build-car-generated` for versions written by a campaign,
`build-car-imported` for imported ones. A version of a built-in task is generated when it has a
campaign, imported when it has a provider or validation results (what `tasks import` writes),
built-in otherwise (what the sync writes). Version ids stay, so lineage, datasets and
checkpoints keep pointing at the same code; version numbers are renumbered 1, 2... in the new
task, in their old order. Tasks whose names only look like a built-in's (`bl0ck-insertion`)
are renamed by the same rule. No schema change; the downgrade leaves the data as it is.

Revision ID: 0002
Revises: 0001
Created: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_task = sa.table("task", sa.column("id", sa.Integer), sa.column("name", sa.String),
                 sa.column("origin", sa.String), sa.column("tags", sa.JSON),
                 sa.column("created_at", sa.DateTime(timezone=True)))
_version = sa.table("task_version", sa.column("id", sa.Integer), sa.column("task_id", sa.Integer),
                    sa.column("version", sa.Integer), sa.column("provider", sa.String),
                    sa.column("campaign_id", sa.Integer))
_result = sa.table("validation_result", sa.column("version_id", sa.Integer))


def _free_name(conn: sa.Connection, name: str, origin: str) -> tuple[str, int | None]:
    """The suffixed name for `origin` and the id of a task of that origin already holding it."""
    from gensim.tasks.names import suffixed_name

    attempt = 1
    while True:
        candidate = suffixed_name(name, origin, attempt)
        row = conn.execute(sa.select(_task.c.id, _task.c.origin).where(_task.c.name == candidate)).first()
        if row is None:
            return candidate, None
        if row.origin == origin:
            return candidate, int(row.id)
        attempt += 1


def _move(conn: sa.Connection, task_name: str, origin: str, version_ids: list[int]) -> None:
    name, target = _free_name(conn, task_name, origin)
    if target is None:
        target = int(conn.execute(sa.insert(_task).values(
            name=name, origin=origin, tags=[origin], created_at=datetime.now(UTC)).returning(_task.c.id)).scalar_one())
    top = conn.execute(sa.select(sa.func.max(_version.c.version)).where(_version.c.task_id == target)).scalar()
    for offset, vid in enumerate(version_ids, start=1):
        conn.execute(sa.update(_version).where(_version.c.id == vid)
                     .values(task_id=target, version=int(top or 0) + offset))


def upgrade() -> None:
    from gensim.tasks.names import builtin_names, fold, suffixed_name

    conn = op.get_bind()
    builtins = conn.execute(sa.select(_task.c.id, _task.c.name).where(_task.c.origin == "builtin")).all()
    checked = {int(r.version_id) for r in conn.execute(sa.select(_result.c.version_id).distinct())}
    for task_id, task_name in builtins:
        rows = conn.execute(sa.select(_version.c.id, _version.c.provider, _version.c.campaign_id)
                            .where(_version.c.task_id == task_id).order_by(_version.c.version)).all()
        generated = [int(r.id) for r in rows if r.campaign_id is not None]
        imported = [int(r.id) for r in rows if r.campaign_id is None
                    and (r.provider is not None or int(r.id) in checked)]
        if generated:
            _move(conn, task_name, "generated", generated)
        if imported:
            _move(conn, task_name, "imported", imported)
    reserved = {fold(n): n for n in [*builtin_names(), *(r.name for r in builtins)]}
    others = conn.execute(sa.select(_task.c.id, _task.c.name, _task.c.origin)
                          .where(_task.c.origin != "builtin")).all()
    for task_id, task_name, origin in others:
        like = reserved.get(fold(task_name))
        if like is None:
            continue
        attempt = 1
        while conn.execute(sa.select(_task.c.id).where(
                _task.c.name == suffixed_name(task_name, origin, attempt))).first() is not None:
            attempt += 1
        conn.execute(sa.update(_task).where(_task.c.id == task_id)
                     .values(name=suffixed_name(task_name, origin, attempt)))


def downgrade() -> None:
    """Nothing to undo: the moved versions are valid rows of the 0001 schema as they are."""
