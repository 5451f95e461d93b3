"""Resolve `--model` references to a checkpoint file.

A reference is `NAME:VERSION` (a registered model version), `NAME@ALIAS`, `NAME` (its newest
version), or the path of a `.ckpt` file. The home's task DB is asked first: its checkpoint rows
name the model version each training registered (also before a deferred run reaches MLflow), so
a model trained here resolves to its file without importing MLflow, and a name this DB has never
seen fails at once when the tracking store is the home's own. Otherwise (an alias, a tracking
server shared with other homes, a checkpoint file not on this machine) MLflow's registry is
asked: registered versions point at their checkpoint through the `gensim.checkpoint_path` tag
written by `gensim train`; when that file is missing, the run's checkpoint artifact is
downloaded into the cache folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gensim.errors import UnknownNameError, UsageError

ROBOT_KEY = "gensim_robot"  # the checkpoint entry naming the embodiment of its training demos


def checkpoint_robot(path: Path, doc: dict[str, Any] | None = None) -> str:
    """The robot a checkpoint was trained for ("none" for checkpoints older than the entry);
    `doc`: the file's contents, when already read (`gensim.policies.agent.read_checkpoint`)."""
    from gensim.policies.agent import read_checkpoint

    doc = read_checkpoint(path) if doc is None else doc
    robot = doc.get(ROBOT_KEY, "none")
    return str(robot) if isinstance(robot, str) else "none"


def require_same_robot(model: str, trained: str, robot: str | None) -> str:
    """The robot to evaluate `model` with: `robot` when given and equal to the one it was
    `trained` for, that one when `robot` is None; a one-line `UsageError` on a mismatch."""
    if robot is None or robot == trained:
        return trained
    raise UsageError(f"model {model} was trained on demos made with --robot {trained}; evaluating it "
                     f"with --robot {robot} tests another embodiment (pass --robot {trained}, or omit --robot)")


_REF = re.compile(r"^(?P<name>[A-Za-z0-9_.\-/]+?)(?::(?P<version>\d+)|@(?P<alias>[A-Za-z0-9_\-]+))?$")


@dataclass(frozen=True)
class ResolvedModel:
    """A model reference and the checkpoint it names."""

    ref: str  # as the user wrote it, or NAME:VERSION once resolved
    checkpoint: Path
    name: str | None = None
    version: str | None = None
    run_id: str | None = None
    checkpoint_id: int | None = None  # the PolicyCheckpoint row, when known


def parse_ref(ref: str) -> tuple[str, str | None, str | None]:
    """(name, version, alias) of `NAME[:VERSION|@ALIAS]`."""
    match = _REF.match(ref.strip())
    if not match:
        raise UsageError(f"bad model reference '{ref}': expected NAME, NAME:VERSION or NAME@ALIAS")
    return match["name"], match["version"], match["alias"]


def resolve_model(ref: str) -> ResolvedModel:
    """The checkpoint of a model reference (see the module docstring)."""
    path = Path(ref).expanduser()
    if path.suffix == ".ckpt" or path.is_file():
        if not path.is_file():
            raise UsageError(f"no checkpoint file at {path}")
        return ResolvedModel(ref=ref, checkpoint=path)
    name, version, alias = parse_ref(ref)
    if alias is None:
        known_here = _from_task_db(name, version)
        if known_here is not None:
            return known_here
    from gensim.tracking import get_tracker

    tracker = get_tracker()
    client = tracker.client
    if client is None:
        raise UsageError(f"cannot resolve model '{ref}': the MLflow tracking store is unreachable "
                         "(pass a .ckpt path instead)")
    found = _model_version(client, name, version, alias)
    if found is None:
        known = [m.name for m in _safe(lambda: client.search_registered_models(max_results=200), [])]
        if name in known:
            what = f"version {version}" if version else f"alias '{alias}'" if alias else "a version"
            versions = sorted((str(v.version) for v in _safe(
                lambda: client.search_model_versions(f"name = '{name}'"), [])), key=lambda v: (len(v), v))
            raise UsageError(f"model '{name}' has no {what}" + _listing(name, versions))
        raise UnknownNameError("model", name, known)
    tags = dict(found.tags or {})
    local = Path(tags.get("gensim.checkpoint_path", ""))
    checkpoint = local if local.name and local.is_file() else _download(client, found)
    checkpoint_id = str(tags.get("gensim.checkpoint_id", ""))
    return ResolvedModel(ref=f"{name}:{found.version}", checkpoint=checkpoint, name=name,
                         version=str(found.version), run_id=found.run_id,
                         checkpoint_id=int(checkpoint_id) if checkpoint_id.isdigit() else None)


def _listing(name: str, versions: list[str]) -> str:
    if not versions:
        return ""
    shown = versions if len(versions) <= 10 else ["...", *versions[-10:]]
    return f"; its versions: {', '.join(shown)} (e.g. {name}:{versions[-1]})"


def _from_task_db(name: str, version: str | None) -> ResolvedModel | None:
    """The model as the home's task DB knows it, before MLflow is imported (see the module
    docstring); None when MLflow must be asked. Unknown names and versions fail here."""
    from gensim.db.quick import configured_db_url, registered_models

    rows = registered_models(configured_db_url())
    if rows is None:
        return None  # not a SQLite DB, or none yet: the registry decides
    mine = [r for r in rows if r.name == name]
    if not mine:
        if _shared_registry():
            return None  # other homes may have registered it
        if not rows:
            raise UsageError(f"unknown model '{name}': this home has no registered models yet "
                             "(train one with `gensim train`, or pass a .ckpt path)")
        raise UnknownNameError("model", name, sorted({r.name for r in rows}))
    versions = sorted({r.version for r in mine}, key=lambda v: (len(v), v))
    if version is None:
        version = versions[-1]
    found = [r for r in mine if r.version == version]
    if not found:
        if _shared_registry():
            return None
        raise UsageError(f"model '{name}' has no version {version}" + _listing(name, versions))
    row = found[-1]
    if not Path(row.path).is_file():
        return None  # trained elsewhere: the registry has the artifact
    return ResolvedModel(ref=f"{name}:{version}", checkpoint=Path(row.path), name=name, version=version,
                         run_id=row.run_id, checkpoint_id=row.checkpoint_id)


def _shared_registry() -> bool:
    """Whether the tracking store is a server (its registry may hold other homes' models)."""
    import os

    uri = os.environ.get("GENSIM_MLFLOW_TRACKING_URI", "")
    return uri.startswith(("http://", "https://"))


def _safe(fn: Any, default: Any) -> Any:
    try:
        return fn()
    except Exception:  # noqa: BLE001 - the registry answers "not found" with exceptions
        return default


def _model_version(client: Any, name: str, version: str | None, alias: str | None) -> Any:
    if version is not None:
        return _safe(lambda: client.get_model_version(name, version), None)
    if alias is not None:
        return _safe(lambda: client.get_model_version_by_alias(name, alias), None)
    versions = _safe(lambda: client.search_model_versions(f"name = '{name}'"), [])
    return max(versions, key=lambda v: int(v.version)) if versions else None


def _download(client: Any, found: Any) -> Path:
    """The registered version's checkpoint artifact, downloaded into the cache (once)."""
    from gensim.config import get_settings

    target = get_settings().cache_dir / "models" / found.name / str(found.version)
    existing = sorted(target.rglob("*.ckpt")) if target.is_dir() else []
    if not existing:
        target.mkdir(parents=True, exist_ok=True)
        try:
            client.download_artifacts(found.run_id, "checkpoint", str(target))
        except Exception as err:  # noqa: BLE001 - missing artifacts are a user-facing problem
            raise UsageError(f"cannot fetch the checkpoint of {found.name}:{found.version}: "
                             f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") from err
        existing = sorted(target.rglob("*.ckpt"))
    if not existing:
        raise UsageError(f"model {found.name}:{found.version} has no checkpoint artifact")
    return existing[0]
