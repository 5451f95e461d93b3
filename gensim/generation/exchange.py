"""Share task libraries: export task versions as task files plus a JSON manifest, import them back.

An export folder holds `<name>.py` (the code, in the public convention) per task and
`manifest.json` (name, version, origin, tags, description, code hash, success rate, provider,
model, prompts, parents as `name@version`). Importing a folder, with or without a manifest,
validates every file through the same static checks and sandboxed checker as generated code;
files that pass become admitted versions with origin `imported`, the others are stored as
rejected with their stage and reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gensim.db.models import id_of
from gensim.errors import UsageError

MANIFEST = "manifest.json"
FORMAT = "gensim-task-library/1"


@dataclass
class ImportReport:
    """What an import did, per file."""

    admitted: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # same code as a stored version


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


def _entries(folder: Path) -> list[dict[str, Any]]:
    if not folder.is_dir():
        raise UsageError(f"not a folder: {folder}")
    manifest = folder / MANIFEST
    if manifest.exists():
        try:
            doc = json.loads(manifest.read_text(encoding="utf-8"))
        except ValueError as err:
            raise UsageError(f"{manifest} is not valid JSON: {err}") from err
        return [dict(e) for e in doc.get("tasks", [])]
    files = sorted(folder.glob("*.py"))
    if not files:
        raise UsageError(f"no task files (*.py) and no {MANIFEST} in {folder}")
    return [{"name": re.sub(r"[^a-z0-9]+", "-", f.stem.lower()).strip("-"), "file": f.name} for f in files]


def import_library(folder: Path, *, seeds: tuple[int, ...] = (0, 2, 4, 6), threshold: float = 0.75) -> ImportReport:
    """Validate and store every task file of `folder` (see the module docstring)."""
    from gensim.db import provenance as prov
    from gensim.db import repository as repo
    from gensim.db.session import ensure_schema
    from gensim.generation.library import sync_builtins
    from gensim.generation.validate import CheckSettings, validate
    from gensim.tasks.registry import class_docstring

    ensure_schema()
    sync_builtins()  # an exported built-in comes back as "unchanged", not as a copy
    report = ImportReport()
    check = CheckSettings(seeds=seeds, threshold=threshold)
    for entry in _entries(folder):
        path = folder / str(entry.get("file") or f"{entry['name']}.py")
        name = str(entry["name"])
        try:
            code = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            report.rejected.append({"name": name, "stage": "parse", "reason": f"cannot read {path.name}: {err}"})
            continue
        existing = repo.find_version_by_code_hash(repo.code_hash(code))
        if existing is not None and existing.status == "admitted":
            report.unchanged.append(name)
            continue
        verdicts, raw = validate(code, name, check)
        failed = next((v for v in verdicts if not v.passed), None)
        description = str(entry.get("description") or "") or class_docstring(code) or name
        version = repo.add_task_version(
            name, code, description, origin="imported", tags=list(entry.get("tags") or ["imported"]),
            status="rejected" if failed else "admitted", success_rate=raw.get("success_rate"),
            seeds=list(raw.get("seeds") or []), provider=entry.get("provider"), model=entry.get("model"),
        )
        for v in verdicts:
            prov.add_validation_result(id_of(version), v.stage, v.passed, seconds=v.seconds, error=v.error)
        if failed:
            repo.set_version_status(id_of(version), "rejected", stage=failed.stage, reason=failed.error)
            report.rejected.append({"name": name, "stage": failed.stage, "reason": failed.error})
        else:
            report.admitted.append(name)
    return report
