"""Adapters: registry specs and DB task versions as retrieval records; the CLI's search call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gensim.errors import UsageError
from gensim.retrieval.adapters import (
    BUILTIN_ID_BASE,
    builtin_doc_id,
    docs_from_db,
    docs_from_specs,
    hit_record,
    library_docs,
    search_tasks,
)
from gensim.retrieval.embedder import HashingEmbedder
from gensim.tasks.registry import builtin_specs

SORT_CODE = '''
from cliport.tasks.task import Task


class SortDisksBySize(Task):
    """Sort the disks by size along a row."""

    def __init__(self):
        super().__init__()
        self.lang_template = "sort the disks by size"
'''


def test_registry_specs_become_docs_with_their_code() -> None:
    docs = docs_from_specs(builtin_specs())
    assert len(docs) == len(builtin_specs()) and len({d.id for d in docs}) == len(docs)
    insertion = next(d for d in docs if d.name == "block-insertion")
    assert insertion.id == builtin_doc_id("block-insertion") >= BUILTIN_ID_BASE
    assert (
        insertion.description and insertion.origin == "builtin" and insertion.status == "admitted"
    )
    assert insertion.code and insertion.summary.assets  # the file was read and summarised


def test_db_versions_and_auto_source(gensim_home: Path) -> None:
    from gensim.db import repository as repo

    admitted = repo.add_task_version(
        "sort-disks-by-size",
        SORT_CODE,
        "Sort the disks by size along a row.",
        tags=["sorting"],
        status="admitted",
        assets=["hanoi/disk0.urdf"],
    )
    repo.add_task_version("half-baked", "x = 1", "Never admitted.", status="candidate")
    docs = docs_from_db()
    assert [d.name for d in docs] == ["sort-disks-by-size"]
    doc = docs[0]
    assert doc.id == admitted.id and doc.origin == "generated" and doc.tags == ("sorting",)
    assert doc.asset_set == frozenset({"hanoi/disk0"}) and doc.status == "admitted"
    assert {d.name for d in docs_from_db(status=None)} == {"sort-disks-by-size", "half-baked"}

    auto = library_docs("auto")
    names = [d.name for d in auto]
    assert names[0] == "sort-disks-by-size" and "block-insertion" in names
    assert len(names) == len(set(names)) == len(builtin_specs()) + 1
    assert [d.name for d in library_docs("db")] == ["sort-disks-by-size"]
    with pytest.raises(UsageError):
        library_docs("files")


def test_search_tasks_keeps_an_index_in_the_home(gensim_home: Path) -> None:
    embedder = HashingEmbedder(64)
    index_dir = gensim_home / "index-test"
    hits = search_tasks(
        "towers of hanoi", 3, source="registry", embedder=embedder, index_dir=index_dir
    )
    assert hits and hits[0].doc.name.startswith("towers-of-hanoi")
    assert (index_dir / "manifest.json").exists()
    record = hit_record(hits[0])
    assert set(record) >= {"name", "version", "score", "semantic", "keyword", "origin"}
    json.dumps(record)
    only_ravens = search_tasks(
        "blocks", 10, tags=["ravens"], source="registry", embedder=embedder, index_dir=index_dir
    )
    assert only_ravens and all("ravens" in h.doc.tags for h in only_ravens)
    with pytest.raises(UsageError):
        search_tasks("x", 0, embedder=embedder, index_dir=index_dir)
