"""Share task libraries: export task versions as task files plus a JSON manifest, import them back.

An export folder holds `<name>.py` (the code, in the public convention) per task and
`manifest.json` (name, version, origin, tags, description, code hash, success rate, provider,
model, prompts, parents as `name@version`).

Importing a bundle (a folder, with or without a manifest) is confined: files are read only from
inside the bundle, as bounded text, never through a link (`gensim.generation.bundle`); every
name is checked before any code runs (an ASCII task id, not a built-in's name nor a look-alike
of one: `gensim.tasks.names`). Entries that pass go through the same static checks and
sandboxed checker as generated code (`validate`, the one call into the checker); those that
pass become admitted versions with origin `imported`, the others are stored as rejected with
their stage and reason. Each entry gets a line in the report (`ImportReport`): admitted,
rejected (stage and reason) or unchanged. An entry whose name is taken by a task of another
origin is stored under the suffixed name (`stack-tower-imported`; see `name_for`).

`import_paths` takes any mix of bundle folders and single task files. Every stored version
records where it came from (`TaskVersion.source`: the file's path and sha256, the commit of its
git checkout; `gensim.generation.source`) and its verdict, validation results and the checker's
warnings (habits of model-written code it absorbed), all in one transaction. A file whose code
is stored already under its task name is not checked again: it is reported `unchanged` with the
stored verdict, so a rerun after an interrupt goes on where it stopped and a second import of
the same files stores nothing. Changed code of a task imported before becomes its next version,
with the previous one as parent (relation `edit`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gensim.checking.conventions import CHECK_SEEDS, SUCCESS_RATE
from gensim.db.models import id_of
from gensim.errors import GensimError, UsageError
from gensim.generation.bundle import MANIFEST, MAX_FILE_BYTES, Bundle, EntryError, shown
from gensim.generation.validate import CheckSettings, validate

FORMAT = "gensim-task-library/1"


@dataclass
class ImportEntry:
    """The outcome of one bundle entry: `admitted`, `rejected` (with stage and reason) or
    `unchanged` (the same code is already admitted). `stored_as` is the task name the version
    got (the naming rule may add a suffix); `name` is the bundle's, escaped when not a task id."""

    name: str
    file: str | None
    outcome: str
    stage: str | None = None  # bundle stages `name`, `path`, `read`; checker stages after them
    reason: str | None = None
    stored_as: str | None = None
    version: int | None = None
    status: str | None = None  # the stored version's status (also for `unchanged` entries)
    warnings: list[str] = field(default_factory=list)  # habits the checker absorbed
    seconds: float = 0.0  # wall-clock time of this entry's check

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class ImportReport:
    """What an import did, per entry, in the bundle's order."""

    entries: list[ImportEntry] = field(default_factory=list)

    @property
    def admitted(self) -> list[str]:
        return [e.stored_as or e.name for e in self.entries if e.outcome == "admitted"]

    @property
    def rejected(self) -> list[dict[str, Any]]:
        return [{"name": e.name, "file": e.file, "stage": e.stage, "reason": e.reason}
                for e in self.entries if e.outcome == "rejected"]

    @property
    def unchanged(self) -> list[str]:
        return [e.name for e in self.entries if e.outcome == "unchanged"]

    @property
    def failed(self) -> bool:
        """True when any entry was rejected, now or by an earlier import of the same code (the
        command's exit code says so)."""
        return any(e.outcome == "rejected" or e.status == "rejected" for e in self.entries)

    def to_json(self) -> dict[str, Any]:
        return {"entries": [e.to_json() for e in self.entries], "admitted": self.admitted,
                "rejected": self.rejected, "unchanged": self.unchanged, "failed": self.failed}


def export_library(out: Path, *, origin: str | None = None, names: list[str] | None = None) -> dict[str, Any]:
    """Write the newest admitted version of each selected task into `out`; returns the manifest."""
    from gensim.db import repository as repo
    from gensim.db.session import ensure_schema
    from gensim.generation.library import admitted_versions, sync_builtins

    ensure_schema()
    sync_builtins()
    rows = admitted_versions()
    if origin:
        rows = [(t, v) for t, v in rows if t.origin == origin]
    if names:
        known = {t.name for t, _ in rows}
        for name in names:
            if name not in known:
                from gensim.errors import UnknownNameError

                raise UnknownNameError("task", name, sorted(known))
        rows = [(t, v) for t, v in rows if t.name in names]
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for task, v in rows:
        (out / f"{task.name}.py").write_text(v.code, encoding="utf-8")
        parents = []
        for link in repo.parents_of(id_of(v)):
            pname = repo.task_names([link.version.task_id]).get(link.version.task_id, "?")
            parents.append({"task": f"{pname}@{link.version.version}", "relation": link.relation})
        entries.append({
            "name": task.name, "file": f"{task.name}.py", "version": v.version, "origin": task.origin,
            "tags": list(task.tags), "description": v.description, "code_hash": v.code_hash,
            "success_rate": v.success_rate, "seeds": list(v.seeds), "provider": v.provider, "model": v.model,
            "prompts": dict(v.prompts), "parents": parents,
        })
    manifest = {"format": FORMAT, "tasks": entries}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _rejected(entry: Any, stage: str, reason: str) -> ImportEntry:
    file = entry.file if isinstance(entry.file, str) else None
    return ImportEntry(name=_display_name(entry.name), file=None if file is None else shown(file, 200),
                       outcome="rejected", stage=stage, reason=reason, status="rejected")


def _display_name(name: object) -> str:
    from gensim.tasks.names import is_slug

    return name if isinstance(name, str) and is_slug(name) else shown(name, 120)


@dataclass
class _Ready:
    """An entry whose name and file passed: waiting for the checker."""

    index: int
    entry: Any
    code: str
    source: dict[str, Any]


def import_library(folder: Path, *, seeds: tuple[int, ...] = CHECK_SEEDS, threshold: float = SUCCESS_RATE,
                   rename_builtins: bool = False) -> ImportReport:
    """Validate and store every task of the bundle `folder` (`import_paths` of one folder)."""
    return import_paths([folder], seeds=seeds, threshold=threshold, rename_builtins=rename_builtins)


def import_paths(paths: Sequence[Path], *, seeds: tuple[int, ...] = CHECK_SEEDS, threshold: float = SUCCESS_RATE,
                 rename_builtins: bool = False, on_entry: Callable[[ImportEntry], None] | None = None,
                 jobs: int = 1) -> ImportReport:
    """Validate and store every task file of `paths` (bundle folders and single `*.py` files).

    First, for every entry and before any task code runs: the name (an ASCII task id, not a
    built-in's name or a look-alike of one, not twice in the import) and the file (read as
    bounded text from inside its folder, `gensim.generation.bundle`). Then each remaining entry
    whose code is not stored yet goes through the checker, `jobs` at a time (each check runs
    in sandboxed processes of its own); a bad entry never stops the others. `on_entry` is
    called in the calling thread with each entry's final outcome as soon as it is known (the
    CLI prints it). With `rename_builtins`, an entry named like a built-in is stored
    under the naming rule's suffixed name (`build-car` -> `build-car-imported`).
    A Ctrl-C keeps every entry finished before it and raises `Interrupted` saying so.
    """
    from gensim.db import repository as repo
    from gensim.db.session import ensure_schema
    from gensim.generation.library import sync_builtins
    from gensim.generation.source import file_source, git_commit
    from gensim.interrupts import Interrupted

    for path in paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {shown(str(path), 300)}")
    ensure_schema()
    sync_builtins()  # an exported built-in comes back as "unchanged", not as a copy
    reserved = set(_builtin_names()) | {t.name for t in repo.list_tasks(origin="builtin")}
    report = ImportReport()
    ready: list[_Ready] = []
    seen: set[str] = set()

    def done(index: int, result: ImportEntry) -> None:
        report.entries[index] = result
        if on_entry is not None:
            on_entry(result)

    for path in paths:
        folder = path if path.is_dir() else path.parent
        commit = git_commit(folder)
        with Bundle(folder) as bundle:
            entries = bundle.entries() if path.is_dir() else [bundle.file_entry(path.name)]
            for entry in entries:
                report.entries.append(ImportEntry(_display_name(entry.name), None, "pending"))
                index = len(report.entries) - 1
                result = _screen(bundle, entry, reserved, seen, rename_builtins)
                if isinstance(result, ImportEntry):
                    done(index, result)
                    continue
                seen.add(str(entry.name))
                ready.append(_Ready(index, entry, result, file_source(folder, str(entry.file), result, commit).to_json()))
    check = CheckSettings(seeds=seeds, threshold=threshold)
    finished = len(report.entries) - len(ready)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="import")
    try:
        futures = {pool.submit(_import_guarded, item, check): item for item in ready}
        for future in as_completed(futures):
            result = future.result()
            finished += 1  # stored (by the worker) before it is printed
            done(futures[future].index, result)
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)  # running checks end at once: their sandboxes were killed
        raise Interrupted(f"{finished} of {len(report.entries)} entries done and stored; rerun the same "
                          "command to go on (stored files are not checked again)") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return report


def _import_guarded(item: _Ready, check: CheckSettings) -> ImportEntry:
    """`_import_one`, with any failure of the entry reported as its rejection (the rest go on)."""
    try:
        return _import_one(item, check)
    except GensimError as err:
        return _rejected(item.entry, "error", shown(str(err), 300))
    except Exception as err:  # noqa: BLE001 - one entry's failure is reported, the rest go on
        return _rejected(item.entry, "error", f"{type(err).__name__}: {shown(str(err), 300)}")


def _builtin_names() -> list[str]:
    from gensim.tasks.names import builtin_names

    return list(builtin_names())


def _screen(bundle: Bundle, entry: Any, reserved: set[str], seen: set[str], rename_builtins: bool
            ) -> ImportEntry | str:
    """The entry's code when its name and file pass, else its final report line."""
    from gensim.tasks.names import is_slug, name_problem

    if entry.problem:
        return _rejected(entry, "name", entry.problem)
    problem = name_problem(entry.name, reserved)
    if problem is not None and rename_builtins and is_slug(entry.name):
        problem = None  # stored as `<name>-imported` by `repo.name_for`
    if problem is None and entry.name in seen:
        problem = f"'{entry.name}' is in the bundle twice"
    code = None
    try:
        code = bundle.read_text(entry.file, MAX_FILE_BYTES)
    except EntryError as err:
        if problem is None:
            return _rejected(entry, err.stage, str(err))
    if problem is not None:
        if code is not None and isinstance(entry.name, str) and entry.name in reserved \
                and _same_admitted_code(entry.name, code):
            return ImportEntry(entry.name, shown(entry.file), "unchanged", reason="the built-in's own code",
                               status="admitted")
        return _rejected(entry, "name", problem)
    assert code is not None
    return code


def _same_admitted_code(name: str, code: str) -> bool:
    from gensim.db import repository as repo

    try:
        stored = repo.list_versions(name, status="admitted")
    except GensimError:
        return False
    digest = repo.code_hash(code)
    return any(v.code_hash == digest for v in stored)


def _stored(name: str, digest: str) -> tuple[Any, list[Any]]:
    """(the version of task `name` holding this code or None, the task's versions)."""
    from gensim.db import repository as repo

    try:
        versions = repo.list_versions(name)
    except GensimError:  # no such task yet
        return None, []
    return next((v for v in versions if v.code_hash == digest), None), versions


def _warnings_of(version_id: int) -> list[str]:
    from gensim.db import provenance as prov
    from gensim.generation.show import stored_warnings

    return stored_warnings(prov.validation_results(version_id))


def _import_one(item: _Ready, check: CheckSettings) -> ImportEntry:
    """Check one entry's code (the one call into the checker) and store version and verdict at once."""
    import time

    from gensim.db import repository as repo
    from gensim.sandbox import registry
    from gensim.tasks.registry import class_docstring

    entry, code = item.entry, item.code
    name = str(entry.name)
    file = shown(entry.file)
    digest = repo.code_hash(code)
    stored_name = repo.name_for(name, "imported")
    same, versions = _stored(stored_name, digest)
    if same is not None:  # this file was imported before: its verdict stands
        return ImportEntry(name, file, "unchanged", same.rejection_stage, same.rejection_reason,
                           stored_name, same.version, same.status, _warnings_of(id_of(same)))
    existing = repo.find_version_by_code_hash(digest)
    if existing is not None and existing.status == "admitted":
        held = repo.task_names([existing.task_id]).get(existing.task_id, "?")
        return ImportEntry(name, file, "unchanged", reason=f"same code as {held} v{existing.version}",
                           status="admitted")
    start = time.perf_counter()
    verdicts, verdict = validate(code, stored_name, check)
    if registry.interrupted():  # the sandbox may have been killed by Ctrl-C: no verdict to store
        raise KeyboardInterrupt
    failed = next((v for v in verdicts if not v.passed), None)
    description = entry.description or class_docstring(code) or name
    parents = [(id_of(versions[-1]), "edit")] if versions else []
    version = repo.add_task_version(
        stored_name, code, description, origin="imported", tags=entry.tags or ["imported"],
        status="rejected" if failed else "admitted", success_rate=verdict.success_rate,
        seeds=list(verdict.seeds), provider=entry.provider, model=entry.model, parents=parents,
        source=item.source, rejection=(failed.stage, failed.error) if failed else None,
        results=[repo.StageResult(v.stage, v.passed, v.seconds, v.error, v.details) for v in verdicts],
    )
    stored_as = repo.task_names([version.task_id]).get(version.task_id, stored_name)
    seconds = round(time.perf_counter() - start, 2)
    warnings = list(verdict.warnings)
    if failed:
        return ImportEntry(name, file, "rejected", failed.stage, failed.error, stored_as, version.version,
                           "rejected", warnings, seconds)
    return ImportEntry(name, file, "admitted", None, None, stored_as, version.version, "admitted", warnings, seconds)
