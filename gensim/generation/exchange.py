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
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gensim.checking.conventions import CHECK_SEEDS, SUCCESS_RATE
from gensim.db.models import id_of
from gensim.errors import GensimError
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
        """True when any entry was rejected (the command's exit code says so)."""
        return any(e.outcome == "rejected" for e in self.entries)

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
                       outcome="rejected", stage=stage, reason=reason)


def _display_name(name: object) -> str:
    from gensim.tasks.names import is_slug

    return name if isinstance(name, str) and is_slug(name) else shown(name, 120)


def import_library(folder: Path, *, seeds: tuple[int, ...] = CHECK_SEEDS, threshold: float = SUCCESS_RATE,
                   rename_builtins: bool = False) -> ImportReport:
    """Validate and store every task of the bundle `folder`; see the module docstring.

    First, for every entry and before any task code runs: the name (an ASCII task id, not a
    built-in's name or a look-alike of one, not twice in the bundle) and the file (read as
    bounded text from inside the bundle, `gensim.generation.bundle`). Then each remaining entry
    goes through the checker, one at a time; a bad entry never stops the others.
    With `rename_builtins`, an entry named like a built-in (a valid task id that is a built-in's
    name or looks like one) is not rejected but stored under the naming rule's suffixed name
    (`build-car` -> `build-car-imported`), as a generated task would be.
    """
    from gensim.db import repository as repo
    from gensim.db.session import ensure_schema
    from gensim.generation.library import sync_builtins
    from gensim.tasks.names import builtin_names, is_slug, name_problem

    ensure_schema()
    sync_builtins()  # an exported built-in comes back as "unchanged", not as a copy
    reserved = set(builtin_names()) | {t.name for t in repo.list_tasks(origin="builtin")}
    report = ImportReport()
    ready: list[tuple[int, Any, str]] = []
    seen: set[str] = set()
    with Bundle(folder) as bundle:
        for entry in bundle.entries():
            if entry.problem:
                report.entries.append(_rejected(entry, "name", entry.problem))
                continue
            problem = name_problem(entry.name, reserved)
            if problem is not None and rename_builtins and is_slug(entry.name):  # type: ignore[arg-type]
                problem = None  # stored as `<name>-imported` by `repo.name_for`
            if problem is None and entry.name in seen:
                problem = f"'{entry.name}' is in the bundle twice"
            code = None
            try:
                code = bundle.read_text(entry.file, MAX_FILE_BYTES)  # type: ignore[arg-type]
            except EntryError as err:
                if problem is None:
                    report.entries.append(_rejected(entry, err.stage, str(err)))
                    continue
            if problem is not None:
                if code is not None and isinstance(entry.name, str) and entry.name in reserved \
                        and _same_admitted_code(entry.name, code):
                    report.entries.append(ImportEntry(entry.name, shown(entry.file), "unchanged",
                                                      reason="the built-in's own code"))
                else:
                    report.entries.append(_rejected(entry, "name", problem))
                continue
            assert code is not None and isinstance(entry.name, str)
            seen.add(entry.name)
            report.entries.append(ImportEntry(entry.name, shown(entry.file), "pending"))
            ready.append((len(report.entries) - 1, entry, code))
    check = CheckSettings(seeds=seeds, threshold=threshold)
    for index, entry, code in ready:
        try:
            report.entries[index] = _import_one(entry, code, check)
        except Exception as err:  # noqa: BLE001 - one entry's failure is reported, the rest go on
            report.entries[index] = _rejected(entry, "error", f"{type(err).__name__}: {shown(str(err), 300)}")
    return report


def _same_admitted_code(name: str, code: str) -> bool:
    from gensim.db import repository as repo

    try:
        stored = repo.list_versions(name, status="admitted")
    except GensimError:
        return False
    digest = repo.code_hash(code)
    return any(v.code_hash == digest for v in stored)


def _import_one(entry: Any, code: str, check: CheckSettings) -> ImportEntry:
    """Check one entry's code (the one call into the checker) and store the verdict."""
    from gensim.db import provenance as prov
    from gensim.db import repository as repo
    from gensim.tasks.registry import class_docstring

    name = str(entry.name)
    file = shown(entry.file)
    existing = repo.find_version_by_code_hash(repo.code_hash(code))
    if existing is not None and existing.status == "admitted":
        held = repo.task_names([existing.task_id]).get(existing.task_id, "?")
        return ImportEntry(name, file, "unchanged", reason=f"same code as {held} v{existing.version}")
    stored_name = repo.name_for(name, "imported")
    verdicts, verdict = validate(code, stored_name, check)
    failed = next((v for v in verdicts if not v.passed), None)
    description = entry.description or class_docstring(code) or name
    version = repo.add_task_version(
        stored_name, code, description, origin="imported", tags=entry.tags or ["imported"],
        status="rejected" if failed else "admitted", success_rate=verdict.success_rate,
        seeds=list(verdict.seeds),
        provider=entry.provider, model=entry.model,
    )
    for v in verdicts:
        prov.add_validation_result(id_of(version), v.stage, v.passed, seconds=v.seconds, error=v.error)
    stored_as = repo.task_names([version.task_id]).get(version.task_id, stored_name)
    if failed:
        repo.set_version_status(id_of(version), "rejected", stage=failed.stage, reason=failed.error)
        return ImportEntry(name, file, "rejected", failed.stage, failed.error, stored_as, version.version)
    return ImportEntry(name, file, "admitted", None, None, stored_as, version.version)
