"""The task database; no SQL lives anywhere else in gensim.

- `gensim.db.models`: the SQLModel tables (schema changes only through `migrations/`).
- `gensim.db.session`: engines, `session_scope`, `upgrade` / `downgrade` / `current_revision`.
- `gensim.db.repository`: tasks, task versions, lineage, built-in sync.
- `gensim.db.provenance`: validation results, generation campaigns, datasets, checkpoints.

Importing this package imports nothing heavy; the modules above import SQLModel.
"""
