"""Adapters from the task registry and the task DB to retrieval `Doc`s, and the one search call
the CLI makes (`search_tasks`).

The rest of `gensim.retrieval` never touches the registry or the database; this module is
where they meet. Nothing heavy is imported until a function runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gensim.errors import UsageError
from gensim.retrieval.records import Doc

if TYPE_CHECKING:
    from gensim.retrieval.embedder import Embedder
    from gensim.retrieval.search import Library, SearchHit
    from gensim.tasks.spec import TaskSpec

# Built-in tasks found only in the registry (not yet synced into the DB) get ids above any DB
# row id: this base plus 36 bits of a hash of the name, stable across runs and machines.
BUILTIN_ID_BASE = 1 << 40
SOURCES = ("auto", "db", "registry")


def builtin_doc_id(name: str) -> int:
    """The stable index id of a registry-only task."""
    return BUILTIN_ID_BASE + int(hashlib.sha1(name.encode("utf-8")).hexdigest()[:9], 16)


def spec_code(spec: TaskSpec) -> str | None:
    """The task file's text: `spec.code`, else the source of its entry-point module (read, not
    imported); None when it cannot be found."""
    if spec.code is not None:
        return spec.code
    module = spec.entry_point.partition(":")[0]
    if not module:
        return None
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if found is None or not found.origin or not found.origin.endswith(".py"):
        return None
    return Path(found.origin).read_text(encoding="utf-8")


def docs_from_specs(specs: Iterable[TaskSpec]) -> list[Doc]:
    """Registry specs as `Doc`s (built-ins are admitted; ids from `builtin_doc_id`)."""
    return [
        Doc(
            id=builtin_doc_id(spec.name),
            name=spec.name,
            version=spec.version,
            description=spec.description,
            code=spec_code(spec),
            origin=spec.origin,
            tags=tuple(spec.tags),
        )
        for spec in specs
    ]


def docs_from_db(
    *, status: str | None = "admitted", latest_only: bool = True, url: str | None = None
) -> list[Doc]:
    """Task versions of the DB as `Doc`s (by default each task's newest admitted version)."""
    from gensim.db import repository as repo

    tasks = {t.id: t for t in repo.list_tasks(url=url)}
    docs = []
    for v in repo.list_versions(status=status, latest_only=latest_only, url=url):
        task = tasks.get(v.task_id)
        if task is None or v.id is None:
            continue
        docs.append(
            Doc(
                id=v.id,
                name=task.name,
                version=v.version,
                description=v.description,
                code=v.code,
                origin=task.origin,
                tags=tuple(task.tags),
                assets=tuple(v.assets),
                status=v.status,
            )
        )
    return docs


def library_docs(source: str = "auto", *, url: str | None = None) -> list[Doc]:
    """The searchable library: `db` (admitted versions), `registry` (specs), or `auto`: the DB's
    admitted versions plus registry tasks the DB does not hold yet."""
    if source not in SOURCES:
        raise UsageError(f"unknown library source '{source}' ({', '.join(SOURCES)})")
    from gensim.tasks.registry import all_specs

    if source == "registry":
        return docs_from_specs(all_specs())
    db_docs = docs_from_db(url=url)
    if source == "db":
        return db_docs
    held = {d.name for d in db_docs}
    # registry sources may include the DB's own tasks as specs: those are already in db_docs
    return db_docs + docs_from_specs(s for s in all_specs() if s.name not in held)


def open_library(
    docs: Sequence[Doc], *, embedder: Embedder | None = None, index_dir: Path | None = None
) -> Library:
    """A `Library` over `docs` backed by the index in the home folder (kept up to date)."""
    from gensim.config import get_settings
    from gensim.retrieval.embedder import get_embedder
    from gensim.retrieval.search import Library

    folder = index_dir or get_settings().index_dir
    return Library.open(docs, embedder or get_embedder(), folder)


def refresh_index(*, url: str | None = None, index_dir: Path | None = None) -> int:
    """Bring the home's search index up to date with the library (`search_tasks`' docs); the
    number of tasks it holds. Embedding new tasks is the slow part of the first search after
    they were stored, so commands that add many (an import) pay it instead."""
    library = open_library(library_docs(url=url), index_dir=index_dir)
    return len(library)


def search_tasks(
    query: str,
    k: int = 5,
    *,
    origin: str | None = None,
    tags: Sequence[str] = (),
    source: str = "auto",
    url: str | None = None,
    embedder: Embedder | None = None,
    index_dir: Path | None = None,
) -> list[SearchHit]:
    """Hybrid search over the library (what `gensim tasks search` prints); `[]` = no good match."""
    if k < 1:
        raise UsageError("k must be at least 1")
    docs = library_docs(source, url=url)
    library = open_library(docs, embedder=embedder, index_dir=index_dir)
    return library.search(query, k, origin=origin, tags=tags)


def hit_record(hit: SearchHit) -> dict[str, Any]:
    """A search hit as plain JSON-ready data (for `--json` output)."""
    from gensim.retrieval.search import GOOD_FIT_SCORE

    return {
        "name": hit.doc.name,
        "version": hit.doc.version,
        "id": hit.doc.id,
        "origin": hit.doc.origin,
        "tags": list(hit.doc.tags),
        "score": round(hit.score, 4),
        "fits_well": hit.score >= GOOD_FIT_SCORE,
        "semantic": round(hit.semantic, 4),
        "keyword": round(hit.keyword, 4),
        "description": hit.doc.description,
    }
