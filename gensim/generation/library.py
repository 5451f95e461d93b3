"""The task library as the pipeline sees it: names, prompt listings, few-shot examples, novelty.

The library is every task whose latest version is admitted in the task DB (built-ins are synced
into the DB first, so lineage can point at them). Few-shot examples and the novelty gate use
retrieval (`gensim.retrieval`); the gate falls back to a code-hash and name check when the
embedder is unavailable.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

NOVELTY_THRESHOLD = 0.90  # cosine similarity at or above which a candidate is a near-duplicate (calibrated in bench/tests of gensim.retrieval)


@dataclass
class LibraryTask:
    """An admitted task version."""

    version_id: int
    name: str
    version: int
    description: str
    code: str
    origin: str
    assets: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BuiltinRecord:
    """A built-in task as the DB stores it: its file's text is the code."""

    name: str
    tags: tuple[str, ...]
    description: str
    code: str


def builtin_records() -> list[BuiltinRecord]:
    """Every registered built-in task with the text of its file (nothing is imported but specs)."""
    import importlib.util
    from pathlib import Path

    from gensim.tasks.registry import builtin_specs

    out = []
    for spec in builtin_specs():
        found = importlib.util.find_spec(spec.entry_point.split(":")[0])
        if found is None or not found.origin:
            continue
        code = Path(found.origin).read_text(encoding="utf-8")
        out.append(BuiltinRecord(spec.name, tuple(spec.tags), spec.description, code))
    return out


def sync_builtins(url: str | None = None) -> None:
    """Make sure every built-in task is in the DB as an admitted version (idempotent)."""
    from gensim.db import repository as repo

    repo.sync_builtin_tasks(builtin_records(), url=url)


def admitted_versions(url: str | None = None) -> list[tuple[Any, Any]]:
    """(task, version) of each task's newest admitted version."""
    from gensim.db import repository as repo

    versions = repo.list_versions(status="admitted", latest_only=True, url=url)
    tasks = {t.id: t for t in repo.list_tasks(url=url)}
    return [(tasks[v.task_id], v) for v in versions if v.task_id in tasks]


def admitted_specs(url: str | None = None) -> list[Any]:
    """The task DB's admitted tasks as registry specs: each task's default version.

    Registered as a source of `gensim.tasks.registry` by the CLI, so admitted tasks are usable
    by name in `gensim tasks check`, `gensim demos` and evaluation. A task's default version is
    its newest admitted one. A built-in name always means the built-in code (only the sync
    writes versions of built-in tasks); its spec here carries the DB's number of the current
    file (the next number when the file changed since the last sync, as the sync will store it),
    so that `list`, `check`, `show`, `search` and `demos` name the same version.
    """
    import hashlib

    from gensim.db.quick import admitted_rows, configured_db_url
    from gensim.tasks.names import origin_label
    from gensim.tasks.spec import TaskSpec

    rows = admitted_rows(url or configured_db_url())
    builtin_hash = {}
    if any(r.origin == "builtin" for r in rows):
        builtin_hash = {b.name: hashlib.sha256(b.code.encode("utf-8")).hexdigest() for b in builtin_records()}
    specs = []
    for r in rows:
        if r.origin == "builtin":
            if r.name in builtin_hash:
                version = r.version if builtin_hash[r.name] == r.code_hash else r.version + 1
                specs.append(TaskSpec(name=r.name, origin="builtin", version=version, source="built-in"))
            continue
        specs.append(TaskSpec(name=r.name, tags=r.tags, origin=r.origin, version=r.version,
                              description=r.description, code=r.code,
                              source=origin_label(r.origin, provider=r.provider, model=r.model,
                                                  campaign_id=r.campaign_id)))
    return specs


class Library:
    """Admitted tasks, refreshed from the DB; thread-safe for a campaign's workers."""

    def __init__(self, url: str | None = None, novelty_threshold: float = NOVELTY_THRESHOLD,
                 use_embeddings: bool = True) -> None:
        self.url = url
        self.novelty_threshold = novelty_threshold
        self.use_embeddings = use_embeddings
        self._lock = threading.RLock()
        self._tasks: list[LibraryTask] = []
        self._vectors: Any = None
        self.refresh()

    def refresh(self) -> None:
        with self._lock:
            self._tasks = [
                LibraryTask(v.id, task.name, v.version, v.description, v.code, task.origin, list(v.assets))
                for task, v in admitted_versions(self.url)
            ]
            self._vectors = None

    @property
    def tasks(self) -> list[LibraryTask]:
        with self._lock:
            return list(self._tasks)

    def names(self) -> list[str]:
        return [t.name for t in self.tasks]

    def listing(self) -> list[dict[str, str]]:
        """Name and description of every task, for the bottom-up proposal prompt."""
        return [{"name": t.name, "description": t.description} for t in self.tasks]

    def get(self, name: str) -> LibraryTask | None:
        return next((t for t in self.tasks if t.name == name), None)

    # Retrieval ------------------------------------------------------------------------------
    def _docs(self) -> list[Any]:
        from gensim.retrieval.records import Doc

        return [Doc(id=t.version_id, name=t.name, version=t.version, description=t.description,
                    code=t.code, origin=t.origin, assets=tuple(t.assets)) for t in self.tasks]

    def few_shot(self, proposal: dict[str, Any], k: int) -> list[LibraryTask]:
        """The k most relevant admitted tasks for a proposal, diverse among themselves (MMR)."""
        if k <= 0 or not self.tasks:
            return []
        query = f"{proposal.get('name', '')} {proposal.get('description', '')}"
        by_id = {t.version_id: t for t in self.tasks}
        try:
            from gensim.retrieval.search import few_shot

            chosen = few_shot(query, k, self._docs())
            return [by_id[d.id] for d in chosen if d.id in by_id]
        except ImportError:
            return self.tasks[:k]

    def novelty(self, name: str, description: str, code: str, exclude: frozenset[str] = frozenset()
                ) -> tuple[bool, str]:
        """(passed, reason). Other versions of the same task are not compared (a new version of
        a task is a revision, not a duplicate), nor the tasks in `exclude` (a top-down target's
        own stepping stones are sub-structures of it by design)."""
        from gensim.db.repository import code_hash

        digest = code_hash(code)
        others = [t for t in self.tasks if t.name != name and t.name not in exclude]
        for t in others:
            if code_hash(t.code) == digest:
                return False, f"same code as {t.name} v{t.version}"
        if not self.use_embeddings or not others:
            return True, "no admitted task has the same code"
        try:
            from gensim.retrieval.search import nearest_neighbour

            nearest, similarity = nearest_neighbour(f"{name} {description}", code, [
                d for d in self._docs() if d.name != name and d.name not in exclude])
        except ImportError:
            return True, "no admitted task has the same code (embeddings unavailable)"
        if similarity >= self.novelty_threshold:
            return False, f"near-duplicate of {nearest.name} v{nearest.version} (similarity {similarity:.3f})"
        return True, f"nearest admitted task {nearest.name} v{nearest.version} (similarity {similarity:.3f})"

    def diversity(self, admitted_ids: list[int]) -> dict[str, Any]:
        """Diversity of the library and of this campaign's admitted versions (in admission order).

        Returns `metrics` (library and campaign: mean pairwise embedding distance, the asset-set
        Jaccard distance GenSim reports, and the campaign's mean similarity to its nearest
        library task) and `curve`: the library's embedding diversity after each admission.
        """
        try:
            import numpy as np

            from gensim.retrieval.diversity import embedding_diversity, library_report
            from gensim.retrieval.embedder import get_embedder
            from gensim.retrieval.search import Library as SearchLibrary
        except ImportError:
            return {"metrics": {}, "curve": []}
        self.refresh()
        lib = SearchLibrary(self._docs(), get_embedder())
        ids = [i for i in admitted_ids if i in {d.id for d in lib.docs}]
        metrics = library_report(lib).as_metrics("diversity.library")
        if ids:
            metrics.update(library_report(lib, ids).as_metrics("diversity.campaign"))
        rows = {d.id: r for r, d in enumerate(lib.docs)}
        base = [r for r, d in enumerate(lib.docs) if d.id not in set(ids)]
        curve = []
        for k in range(len(ids) + 1):
            chosen = base + [rows[i] for i in ids[:k]]
            curve.append(embedding_diversity(np.asarray(lib.vectors)[chosen]) if len(chosen) > 1 else 0.0)
        return {"metrics": metrics, "curve": curve}
