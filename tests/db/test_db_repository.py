"""Tasks, versions, lineage and built-in sync written through the repository and read back."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gensim.db import repository as repo
from gensim.errors import UnknownNameError, UsageError

CODE_V1 = "class BuildCar(Task):\n    pass\n"
CODE_V2 = "class BuildCar(Task):\n    '''Now with wheels.'''\n"


def test_two_versions_with_lineage_read_back(db_url: str) -> None:
    base = repo.add_task_version(
        "stack-blocks", "class StackBlocks(Task): ...\n", "stack three blocks", status="admitted"
    )
    v1 = repo.add_task_version(
        "build-bridge",
        CODE_V1,
        "build a car from blocks",
        tags=["blocks", "assembly"],
        parents=[(base.id, "few-shot")],
        prompts={"topdown/write_code": "abc123"},
        provider="offline",
        model="composer",
        seeds=[1, 3, 5],
        assets=["block/block.urdf"],
    )
    v2 = repo.add_task_version(
        "build-bridge", CODE_V2, "build a car, with wheels", parents=[(v1.id, "repair")]
    )

    assert (v1.version, v2.version) == (1, 2)
    assert v1.task_id == v2.task_id != base.task_id
    assert repo.get_task("build-bridge").tags == ["blocks", "assembly"]

    latest = repo.get_task_version("build-bridge")
    assert latest.id == v2.id and latest.code == CODE_V2
    first = repo.get_task_version("build-bridge", version=1)
    assert first.code_hash == repo.code_hash(CODE_V1)
    assert first.prompts == {"topdown/write_code": "abc123"}
    assert first.seeds == [1, 3, 5] and first.assets == ["block/block.urdf"]
    assert (first.provider, first.model, first.status) == ("offline", "composer", "candidate")

    parents = repo.parents_of(v2.id)
    assert [(p.version.id, p.relation) for p in parents] == [(v1.id, "repair")]
    assert [(p.version.id, p.relation) for p in repo.parents_of(v1.id)] == [(base.id, "few-shot")]
    assert [(c.version.id, c.relation) for c in repo.children_of(v1.id)] == [(v2.id, "repair")]
    assert [(c.version.id, c.relation) for c in repo.children_of(base.id)] == [(v1.id, "few-shot")]
    assert repo.children_of(v2.id) == []


def test_status_filters_and_lookups(db_url: str) -> None:
    v1 = repo.add_task_version("build-bridge", CODE_V1)
    v2 = repo.add_task_version("build-bridge", CODE_V2)
    repo.set_version_status(v1.id, "admitted")
    rejected = repo.set_version_status(v2.id, "rejected", stage="sandbox", reason="IndexError")
    assert (rejected.rejection_stage, rejected.rejection_reason) == ("sandbox", "IndexError")

    assert repo.get_task_version("build-bridge", status="admitted").id == v1.id
    assert repo.get_task_version("build-bridge").id == v2.id
    assert repo.find_version_by_code_hash(repo.code_hash(CODE_V2)).id == v2.id
    assert repo.find_version_by_code_hash(repo.code_hash("nothing")) is None

    repo.add_task_version("sort-cups", "x = 1\n", origin="imported")
    assert [t.name for t in repo.list_tasks()] == ["build-bridge", "sort-cups"]
    assert [t.name for t in repo.list_tasks(origin="imported")] == ["sort-cups"]
    assert [t.name for t in repo.list_tasks(status="admitted")] == ["build-bridge"]
    assert [v.id for v in repo.list_versions("build-bridge")] == [v1.id, v2.id]
    assert [v.id for v in repo.list_versions(status="rejected")] == [v2.id]
    newest = repo.list_versions(latest_only=True)
    assert [(v.task_id, v.version) for v in newest] == [(v2.task_id, 2), (newest[1].task_id, 1)]
    names = repo.task_names(v.task_id for v in newest)
    assert sorted(names.values()) == ["build-bridge", "sort-cups"]

    updated = repo.update_version(v1.id, embedding_id=7, success_rate=0.9, mlflow_run_id="r1")
    assert (updated.embedding_id, updated.success_rate, updated.mlflow_run_id) == (7, 0.9, "r1")
    again = repo.set_version_status(v2.id, "admitted")
    assert again.rejection_stage is None and again.rejection_reason is None


def test_bad_input_is_a_usage_error(db_url: str) -> None:
    repo.add_task_version("build-bridge", CODE_V1)
    with pytest.raises(UnknownNameError, match="build-bridge"):
        repo.get_task_version("build-cars")
    with pytest.raises(UsageError, match="no version 9"):
        repo.get_task_version("build-bridge", version=9)
    with pytest.raises(UsageError, match="kebab-case"):
        repo.add_task_version("Build Car", CODE_V1)
    with pytest.raises(UsageError, match="status"):
        repo.add_task_version("build-bridge", CODE_V1, status="great")
    with pytest.raises(UsageError, match="unknown task version id"):
        repo.add_task_version("build-bridge", CODE_V2, parents=[(999, "edit")])
    with pytest.raises(UsageError, match="cannot update"):
        repo.update_version(1, code="x")
    # the failed writes left nothing behind
    assert [v.version for v in repo.list_versions("build-bridge")] == [1]


@dataclass(frozen=True)
class FakeSpec:
    name: str
    tags: tuple[str, ...]
    description: str
    code: str | None


def test_sync_builtin_tasks_is_idempotent_and_versions_changes(db_url: str) -> None:
    specs = [
        FakeSpec("block-insertion", ("ravens",), "insert the block", "class A: ...\n"),
        FakeSpec("stack-block-pyramid", ("ravens",), "build a pyramid", "class B: ...\n"),
    ]
    first = repo.sync_builtin_tasks(specs)
    assert first.created == ["block-insertion", "stack-block-pyramid"]
    again = repo.sync_builtin_tasks(specs)
    assert again.unchanged == ["block-insertion", "stack-block-pyramid"] and not again.created

    changed = [FakeSpec("block-insertion", ("ravens", "insertion"), "insert", "class A2: ...\n")]
    report = repo.sync_builtin_tasks(changed)
    assert report.updated == ["block-insertion"]
    latest = repo.get_task_version("block-insertion", status="admitted")
    assert (latest.version, latest.code) == (2, "class A2: ...\n")
    task = repo.get_task("block-insertion")
    assert (task.origin, task.tags) == ("builtin", ["ravens", "insertion"])
    assert len(repo.list_versions(status="admitted")) == 3
    with pytest.raises(UsageError, match="no code"):
        repo.sync_builtin_tasks([FakeSpec("align-rope", (), "", None)])


def test_a_generated_version_never_lands_on_a_builtin_task(db_url: str) -> None:
    """The naming rule, in the DB layer: a built-in's name (or a look-alike) written by any
    other origin goes to `<name>-<origin>`; the built-in's versions and default stay."""
    spec = FakeSpec("build-car", ("gensim",), "build a car", "class Car: ...\n")
    repo.sync_builtin_tasks([spec])
    builtin = repo.get_task_version("build-car", status="admitted")
    assert repo.name_for("build-car", "generated") == "build-car-generated"
    assert repo.name_for("bui1d_car".replace("_", "-"), "imported") == "bui1d-car-imported"
    generated = repo.add_task_version("build-car", "class GeneratedCar: ...\n", status="admitted",
                                      provider="offline", model="rule-based")
    assert repo.task_names([generated.task_id]) == {generated.task_id: "build-car-generated"}
    assert generated.version == 1 and repo.get_task("build-car-generated").origin == "generated"
    imported = repo.add_task_version("build-car", "class ImportedCar: ...\n", origin="imported")
    assert repo.task_names([imported.task_id])[imported.task_id] == "build-car-imported"
    # A look-alike of a built-in (even one not synced into this DB) is renamed the same way.
    lookalike = repo.get_or_create_task("bl0ck-insertion", "generated")
    assert lookalike.name == "bl0ck-insertion-generated"
    # A name held by a task of another origin is not shared either.
    again = repo.add_task_version("build-car-generated", "class Other: ...\n", origin="imported")
    assert repo.task_names([again.task_id])[again.task_id] == "build-car-generated-imported"
    assert [v.version for v in repo.list_versions("build-car")] == [1]
    assert repo.get_task_version("build-car", status="admitted").id == builtin.id
    assert repo.sync_builtin_tasks([spec]).unchanged == ["build-car"]
    changed = FakeSpec("build-car", ("gensim",), "build a car", "class Car2: ...\n")
    assert repo.sync_builtin_tasks([changed]).updated == ["build-car"]
    assert [v.version for v in repo.list_versions("build-car")] == [1, 2]


def test_a_name_that_becomes_a_builtins_moves_out_of_the_way(db_url: str) -> None:
    old = repo.add_task_version("fold-towels", "class Towels: ...\n", status="admitted")
    repo.sync_builtin_tasks([FakeSpec("fold-towels", (), "fold", "class Builtin: ...\n")])
    assert repo.task_names([old.task_id])[old.task_id] == "fold-towels-generated"
    assert repo.get_task("fold-towels").origin == "builtin"
    assert repo.get_task_version("fold-towels").code == "class Builtin: ...\n"


@dataclass(frozen=True)
class EntryPointSpec:
    name: str
    entry_point: str
    tags: tuple[str, ...] = ()
    description: str = ""
    code: str | None = None


def test_sync_reads_the_module_file_of_an_entry_point(db_url: str) -> None:
    import gensim.errors

    report = repo.sync_builtin_tasks([EntryPointSpec("some-task", "gensim.errors:UsageError")])
    assert report.created == ["some-task"]
    stored = repo.get_task_version("some-task")
    with open(gensim.errors.__file__, encoding="utf-8") as source:
        assert stored.code == source.read()
    assert stored.status == "admitted"
    with pytest.raises(UsageError, match="no code text or module file"):
        repo.sync_builtin_tasks([EntryPointSpec("other-task", "gensim.no_such_module:X")])
