"""Tracking after the work: a run written as a record in the home's outbox, logged to MLflow by
a detached writer process, so that a short command does not wait for MLflow.

Importing mlflow and opening its SQLite store (Alembic checks the schema on every open) costs
3-4 s of CPU, more than a one-episode `gensim demos`. `deferred_run` gives a handle with the
logging methods of `TrackedRun`; the block's calls are kept in a `RunRecord` (a folder under
`HOME/outbox/`, files copied in), and at the end of the block the record is published with an
atomic rename and `python -m gensim.tracking.outbox` is started detached to log it. That writer
logs every record it finds, so a record left by a writer that died is logged by the next one;
`gensim runs sync` (or `flush()`) logs the left-over records in the foreground and waits for a
writer that holds one; any process that opens the store starts a writer for records older than
`STALE_S`. A record is logged under an exclusive lock and deleted once logged; it
carries `gensim.run_key`, a tag by which a re-logged record finds its run instead of making a
second one.

The link: MLflow makes a run's id when it creates the run, so the command cannot know it
without opening the store. A deferred run's link is therefore the experiment's runs page
filtered to the run's `gensim.run_key` (one row, one click from the run), with the experiment id
from a cache in the home that every opened store fills. When that id is not cached yet (a new
home: the store does not exist and would be made now anyway), or `GENSIM_TRACKING_SYNC=1` is
set, the record is logged in the foreground and the handle has the real run id and link.
Callbacks that need the run id (a DB row that names its run) are given as data,
`"gensim.module:function"` with JSON arguments, and run with `run_id=` once the run exists.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from gensim.tracking.run import flatten
from gensim.tracking.store import first_line, warn_once

SYNC_ENV = "GENSIM_TRACKING_SYNC"  # "1": log deferred runs in the foreground (tests, scripts)
RECORD = "record.json"
MAX_RECORD_BYTES = 16 * 1024 * 1024  # a record's JSON (artifacts are files beside it)
LOCK_WAIT_S = 600.0  # how long `flush` waits for a record another writer is logging
STALE_S = 120.0  # a record this old (s) has lost its writer: the next store opening respawns one
WRITER_ENV = "GENSIM_OUTBOX_WRITER"  # set in the detached writer's environment


def outbox_dir(home: Path | None = None) -> Path:
    """The home's outbox folder."""
    if home is None:
        from gensim.config import get_settings

        home = get_settings().home_dir
    return Path(home) / "outbox"


def _experiments_cache(home: Path | None = None) -> Path:
    return outbox_dir(home).parent / "mlflow-experiments.json"


def cached_experiment_id(uri: str, name: str, home: Path | None = None) -> str | None:
    """The id of experiment `name` in store `uri` as last seen by this home (None if unseen)."""
    try:
        doc = json.loads(_experiments_cache(home).read_text())
        value = doc.get(uri, {}).get(name)
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value.isdigit() else None


def remember_experiment_id(uri: str, name: str, experiment_id: str, home: Path | None = None) -> None:
    """Add (uri, name) -> id to the home's cache (best effort; a race loses one entry)."""
    path = _experiments_cache(home)
    try:
        doc = json.loads(path.read_text()) if path.exists() else {}
        if not isinstance(doc, dict):
            doc = {}
        if doc.get(uri, {}).get(name) == experiment_id:
            return
        doc.setdefault(uri, {})[name] = experiment_id
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(doc, indent=1))
        os.replace(tmp, path)
    except (OSError, ValueError, AttributeError):
        pass


@dataclass
class Callback:
    """`function(run_id=..., **kwargs)` of a gensim module, run once the run exists."""

    target: str  # "gensim.module:function"
    kwargs: dict[str, Any] = field(default_factory=dict)
    with_version: bool = False  # also pass `model_version=` (the version the run registered)

    def call(self, run_id: str, model_version: str | None = None) -> None:
        module, _, name = self.target.partition(":")
        if not module.startswith("gensim.") or not name.isidentifier():
            raise ValueError(f"refused callback {self.target!r}")
        extra = {"model_version": model_version} if self.with_version else {}
        getattr(import_module(module), name)(run_id=run_id, **self.kwargs, **extra)


@dataclass
class Plot:
    """A figure `function(**kwargs)` of a gensim module, drawn by the writer and logged as the
    image artifact `artifact_file` (matplotlib's import and drawing off the command's path)."""

    target: str  # "gensim.module:function", returning a matplotlib figure
    kwargs: dict[str, Any] = field(default_factory=dict)
    artifact_file: str = "figure.png"

    def figure(self) -> Any:
        module, _, name = self.target.partition(":")
        if not module.startswith("gensim.") or not name.isidentifier():
            raise ValueError(f"refused plot {self.target!r}")
        return getattr(import_module(module), name)(**self.kwargs)


@dataclass
class RunRecord:
    """One run's content, written by a command and logged by a writer."""

    key: str  # gensim.run_key: 32 hex
    tracking_uri: str
    artifact_root: str
    experiment: str
    name: str
    start_ms: int
    end_ms: int = 0
    status: str = "FINISHED"
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    dicts: list[tuple[str, Any]] = field(default_factory=list)  # (artifact file, JSON data)
    files: list[tuple[str, str | None]] = field(default_factory=list)  # (file in files/, artifact path)
    datasets: list[dict[str, Any]] = field(default_factory=list)  # see `DeferredRun.log_dataset`
    callbacks: list[Callback] = field(default_factory=list)
    plots: list[Plot] = field(default_factory=list)  # figures the writer draws (`log_plot`)
    history: list[tuple[str, float, int, int]] = field(default_factory=list)  # (key, value, step, ms)
    register: dict[str, Any] | None = None  # see `DeferredRun.register_model`
    children: list[RunRecord] = field(default_factory=list)  # nested runs (`DeferredRun.child`)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RunRecord:
        """Decode with limits: size, field types, the key's shape."""
        if len(text) > MAX_RECORD_BYTES:
            raise ValueError("record too large")
        return cls._from_doc(json.loads(text), depth=0)

    @classmethod
    def _from_doc(cls, doc: Any, depth: int) -> RunRecord:
        if depth > 1:
            raise ValueError("runs nested deeper than one level")
        key = doc["key"]
        if not (isinstance(key, str) and len(key) == 32 and all(c in "0123456789abcdef" for c in key)):
            raise ValueError("bad run key")
        return cls(
            key=key, tracking_uri=str(doc["tracking_uri"]), artifact_root=str(doc["artifact_root"]),
            experiment=str(doc["experiment"]), name=str(doc["name"]), start_ms=int(doc["start_ms"]),
            end_ms=int(doc["end_ms"]), status=str(doc["status"]),
            tags={str(k): str(v) for k, v in dict(doc["tags"]).items()},
            params={str(k): str(v) for k, v in dict(doc["params"]).items()},
            metrics={str(k): float(v) for k, v in dict(doc["metrics"]).items()},
            dicts=[(str(f), d) for f, d in doc["dicts"]],
            files=[(_relative(str(f)), None if a is None else str(a)) for f, a in doc["files"]],
            datasets=[dict(d) for d in doc["datasets"]],
            callbacks=[Callback(str(c["target"]), dict(c["kwargs"]), bool(c.get("with_version", False)))
                       for c in doc["callbacks"]],
            plots=[Plot(str(p["target"]), dict(p["kwargs"]), str(p["artifact_file"])) for p in doc.get("plots", [])],
            history=[(str(k), float(v), int(s), int(t)) for k, v, s, t in doc.get("history", [])],
            register=_registration(doc.get("register")),
            children=[cls._from_doc(child, depth + 1) for child in doc.get("children", [])],
        )


def _registration(doc: Any) -> dict[str, Any] | None:
    """A record's model registration, fields checked (None when it registers nothing)."""
    if doc is None:
        return None
    return {"artifact_path": str(doc["artifact_path"]), "name": str(doc["name"]),
            "tags": {str(k): str(v) for k, v in dict(doc["tags"]).items()},
            "description": None if doc.get("description") is None else str(doc["description"]),
            "predicted": None if doc.get("predicted") is None else str(doc["predicted"])}


def _relative(name: str) -> str:
    """A file name of a record's files/ folder: "INDEX/NAME", nothing that climbs out."""
    index, _, base = name.partition("/")
    if not index.isdigit() or not base or base != Path(base).name or base in (".", ".."):
        raise ValueError(f"bad file name in record: {name!r}")
    return name


class DeferredRun:
    """The logging methods of `TrackedRun` used by commands, kept in a `RunRecord`. `run_id` is
    None until the record is logged (in the foreground only); `url` is always a working link."""

    active = True  # calls are kept (they reach MLflow when the record is logged)

    def __init__(self, record: RunRecord, folder: Path, ui_base: str, home: Path | None = None) -> None:
        self.record = record
        self.folder = folder
        self.ui_base = ui_base
        self.home = home
        self.experiment = record.experiment
        self.run_id: str | None = None
        self.experiment_id: str | None = None
        self.model_version: str | None = None  # the registered version once logged

    @property
    def url(self) -> str | None:
        """The run's page once logged, else the experiment's runs filtered to this run."""
        from gensim.tracking.tracker import UI_VIEW_QUERY

        if self.experiment_id is None:
            return None
        base = f"{self.ui_base}/#/experiments/{self.experiment_id}"
        if self.run_id is not None:
            return f"{base}/runs/{self.run_id}?{UI_VIEW_QUERY}"
        query = urllib.parse.quote(f"tags.`gensim.run_key` = '{self.record.key}'", safe="")
        return f"{base}/runs?searchFilter={query}&{UI_VIEW_QUERY}"

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        self.record.tags.update({str(k): str(v) for k, v in tags.items()})

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.record.params.update({k: str(v)[:6000] for k, v in flatten(params).items()})

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Keep metric values at `step` (0 when not given), each with its time, as MLflow would."""
        now = int(time.time() * 1000)
        self.record.history.extend((str(k), float(v), int(step or 0), now) for k, v in metrics.items())

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        self.log_metrics({key: value}, step)

    def log_dict(self, data: Mapping[str, Any], artifact_file: str) -> None:
        """A .json file is written now, as `MlflowClient.log_dict` writes it (a record stays small
        however long a campaign's conversations); other formats are kept in the record."""
        if not artifact_file.endswith(".json"):
            self.record.dicts.append((artifact_file, json.loads(json.dumps(dict(data), default=str))))
            return
        folder, _, name = artifact_file.rpartition("/")
        target, relative = self._file(name)
        with open(target, "w") as stream:
            json.dump(dict(data), stream, indent=2, default=str)
        self.record.files.append((relative, folder or None))

    def _file(self, name: str) -> tuple[Path, str]:
        relative = f"{len(self.record.files)}/{name}"  # the artifact keeps its file name
        target = self.folder / "files" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target, relative

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        """Copy a file now (the caller may delete or overwrite it); folders are not supported here."""
        source = Path(path)
        target, relative = self._file(source.name)
        shutil.copyfile(source, target)
        self.record.files.append((relative, artifact_path))

    def log_text(self, text: str, artifact_file: str) -> None:
        folder, _, name = artifact_file.rpartition("/")
        target, relative = self._file(name)
        target.write_text(text, encoding="utf-8")
        self.record.files.append((relative, folder or None))

    def log_plot(self, target: str, artifact_file: str, **kwargs: Any) -> None:
        """Keep the figure `target(**kwargs)` for the writer to draw and log (see `Plot`)."""
        self.record.plots.append(Plot(target, dict(kwargs), artifact_file))

    def log_figure(self, figure: Any, artifact_file: str) -> None:
        """Save a matplotlib figure now (as `MlflowClient.log_figure` would) for the artifact."""
        folder, _, name = artifact_file.rpartition("/")
        target, relative = self._file(name)
        figure.savefig(target)
        self.record.files.append((relative, folder or None))

    def log_dataset(self, data: Mapping[str, Any], *, name: str, source: str, digest: str | None = None,
                    context: str = "training") -> None:
        """Record numpy features (a dict of arrays) as a dataset input."""
        import numpy as np

        features = {}
        for key, value in data.items():
            array = np.ascontiguousarray(value)
            features[key] = {"dtype": str(array.dtype), "shape": list(array.shape),
                             "data": base64.b64encode(array.tobytes()).decode()}
        self.record.datasets.append({"name": name, "source": source, "digest": digest,
                                     "context": context, "features": features})

    def register_model(self, artifact_path: str, name: str, *, tags: Mapping[str, Any] | None = None,
                       description: str | None = None) -> str | None:
        """Register the artifact at `artifact_path` as a new version of model `name` when the
        record is logged; returns the version it will get as far as this home knows
        (`predict_version`); `model_version` holds the real one once logged."""
        predicted = reserve_version(self.record.tracking_uri, name, self.home)
        self.record.register = {"artifact_path": artifact_path, "name": name,
                                "tags": {str(k): str(v) for k, v in (tags or {}).items()},
                                "description": description, "predicted": predicted}
        return predicted

    def on_created(self, target: str, *, with_version: bool = False, **kwargs: Any) -> None:
        """Call `target(run_id=..., **kwargs)` once the run exists (kwargs JSON-able); with
        `with_version`, also `model_version=` (the registered version, None if none)."""
        self.record.callbacks.append(Callback(target, kwargs, with_version))

    @contextmanager
    def child(self, name: str, *, tags: Mapping[str, Any] | None = None,
              params: Mapping[str, Any] | None = None) -> Iterator[DeferredRun]:
        """A nested run, kept in this run's record and logged after it (its `mlflow.parentRunId`
        is this run's id then); statuses as `deferred_run`'s. One level only, as `TrackedRun.child`
        is used."""
        record = _new_record(self.record.experiment, name, self.record.tracking_uri,
                             self.record.artifact_root, tags, None)
        folder = self.folder / "children" / record.key
        folder.mkdir(parents=True, exist_ok=True)
        handle = DeferredRun(record, folder, self.ui_base, self.home)
        if params:
            handle.log_params(params)
        self.record.children.append(record)
        with _statuses(record):
            yield handle


def _new_record(experiment: str, name: str, uri: str, artifact_root: str,
                tags: Mapping[str, Any] | None, started_at: float | None) -> RunRecord:
    key = uuid.uuid4().hex
    return RunRecord(key=key, tracking_uri=uri, artifact_root=artifact_root, experiment=experiment, name=name,
                     start_ms=int((time.time() if started_at is None else started_at) * 1000),
                     tags={"gensim.run_key": key, **{k: str(v) for k, v in (tags or {}).items()}})


@contextmanager
def _statuses(record: RunRecord) -> Iterator[None]:
    """FINISHED when the block completes, FAILED when it raises, KILLED on Ctrl-C; the end time."""
    try:
        yield
    except KeyboardInterrupt:
        record.status = "KILLED"
        raise
    except BaseException as err:
        record.status = "FAILED"
        record.tags["gensim.error"] = f"{type(err).__name__}: {first_line(err)}"
        raise
    finally:
        record.end_ms = int(time.time() * 1000)


def predict_version(uri: str, name: str, home: Path | None = None) -> str:
    """The version that registering model `name` now would get: one more than the newest this
    home knows of (its task DB's checkpoints, pending ones included, and the versions its
    writers registered). Exact for a store this home alone writes to: the writer logs records
    one at a time, oldest first."""
    from gensim.db.quick import configured_db_url, registered_versions

    known = [int(v) for v in registered_versions(configured_db_url(), name) or [] if v.isdigit()]
    cached = _cache(home).get("models", {}).get(uri, {}).get(name)
    if isinstance(cached, int):
        known.append(cached)
    return str(max(known, default=0) + 1)


def reserve_version(uri: str, name: str, home: Path | None = None) -> str:
    """`predict_version`, then that version kept as reserved in the home (under a lock): two
    trainings that end at once are told different versions, in the order they reserved them."""
    box = outbox_dir(home)
    box.mkdir(parents=True, exist_ok=True)
    path = box / "reserved-versions.json"
    with open(box / ".reserve.lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            doc = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            doc = {}
        if not isinstance(doc, dict):
            doc = {}
        reserved = doc.get(uri, {}).get(name)
        predicted = int(predict_version(uri, name, home))
        if isinstance(reserved, int):
            predicted = max(predicted, reserved + 1)
        doc.setdefault(uri, {})[name] = predicted
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(doc))
        os.replace(tmp, path)
    return str(predicted)


def _cache(home: Path | None = None) -> dict[str, Any]:
    try:
        doc = json.loads(_experiments_cache(home).read_text())
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def remember_model_version(uri: str, name: str, version: str, home: Path | None = None) -> None:
    """Keep the newest registered version of model `name` in store `uri` (best effort)."""
    if not version.isdigit():
        return
    path = _experiments_cache(home)
    try:
        doc = _cache(home)
        models = doc.setdefault("models", {})
        if not isinstance(models, dict):
            models = doc["models"] = {}
        entry = models.setdefault(uri, {})
        if int(entry.get(name, 0)) >= int(version):
            return
        entry[name] = int(version)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(doc, indent=1))
        os.replace(tmp, path)
    except (OSError, ValueError, AttributeError, TypeError):
        pass


@contextmanager
def deferred_run(experiment: str, name: str, *, tags: Mapping[str, Any] | None = None,
                 params: Mapping[str, Any] | None = None, started_at: float | None = None,
                 home: Path | None = None, foreground: bool = False,
                 background: bool = False) -> Iterator[DeferredRun]:
    """A run logged after the block (see the module docstring); FINISHED when the block
    completes, FAILED when it raises, KILLED on Ctrl-C, as `Tracker.run`. `foreground` logs it
    before returning, as `GENSIM_TRACKING_SYNC=1` does; `background` never does (unless that
    variable asks), also in a new home (for a command that is being interrupted)."""
    from gensim.config import get_settings
    from gensim.tracking.tracker import get_tracker

    tracker = get_tracker()
    box = outbox_dir(home)
    record = _new_record(experiment, name, tracker.uri, tracker.artifact_root, tags, started_at)
    key = record.key
    folder = box / f".tmp-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    handle = DeferredRun(record, folder, tracker.ui_base(), home)
    if params:
        handle.log_params(params)
    try:
        with _statuses(record):
            yield handle
    finally:
        (folder / RECORD).write_text(record.to_json())
        published = box / key
        os.replace(folder, published)
        home_dir = get_settings().home_dir if home is None else home
        handle.experiment_id = cached_experiment_id(tracker.uri, experiment, home_dir)
        sync = os.environ.get(SYNC_ENV) == "1"
        if sync or foreground or (handle.experiment_id is None and not background):
            try:
                logged = _log_folder(published, home_dir)
                if logged is not None:
                    handle.run_id, handle.model_version = logged
            except Exception as err:  # noqa: BLE001 - tracking never fails the work
                warn_once("outbox log", f"MLflow run not logged now ({first_line(err)}); it waits in "
                          "the outbox for `gensim runs sync`")
            handle.experiment_id = cached_experiment_id(tracker.uri, experiment, home_dir)
        else:
            spawn_writer(home_dir)


def spawn_writer(home: Path) -> None:
    """Start `python -m gensim.tracking.outbox HOME` detached (own session, no terminal)."""
    import gensim

    env = dict(os.environ)
    package_root = str(Path(gensim.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [env.get("PYTHONPATH")])])
    env[WRITER_ENV] = "1"
    log = outbox_dir(home) / "writer.log"
    try:
        with open(log, "ab") as sink:
            subprocess.Popen([sys.executable, "-m", "gensim.tracking.outbox", str(home)], env=env,
                             stdin=subprocess.DEVNULL, stdout=sink, stderr=sink, close_fds=True,
                             start_new_session=True)
    except OSError as err:
        warn_once("outbox spawn", f"MLflow writer not started ({err}); `gensim runs sync` logs the run")


def flush_stale_later(home: Path | None = None) -> None:
    """Start a detached writer when records older than `STALE_S` wait (their writer died);
    called when a process opens the tracking store, never by a writer itself."""
    if os.environ.get(WRITER_ENV) == "1":
        return
    try:
        box = outbox_dir(home)
        if any(time.time() - p.stat().st_mtime > STALE_S for p in pending(box.parent)):
            spawn_writer(box.parent)
    except OSError:
        pass


def pending(home: Path | None = None) -> list[Path]:
    """Published records not yet logged, oldest first."""
    box = outbox_dir(home)
    if not box.is_dir():
        return []
    found = [p for p in box.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / RECORD).exists()]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def flush(home: Path | None = None, *, wait: bool = True) -> tuple[int, list[str]]:
    """Log every pending record, oldest first, one writer at a time (so model versions are
    registered in the order `predict_version` assumed): (logged, problems). With `wait`,
    records another writer is logging are waited for (up to `LOCK_WAIT_S`); without it (the
    detached writer), a writer already at work is left to log everything."""
    home_dir = outbox_dir(home).parent
    logged, problems, tried = 0, [], set()
    lock_path = outbox_dir(home_dir) / ".writer.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        if not _lock(lock.fileno(), wait):
            if not wait:
                # The writer at work may have scanned before our record was published: take
                # over once it is done (its records are gone by then).
                _lock(lock.fileno(), True)
            else:
                return 0, ["another writer held the outbox too long"]
        while True:  # records published meanwhile are logged too
            todo = [p for p in pending(home_dir) if p.name not in tried]
            if not todo:
                break
            folder = todo[0]
            tried.add(folder.name)
            try:
                if _log_folder(folder, home_dir, wait=wait) is not None:
                    logged += 1
            except Exception as err:  # noqa: BLE001 - one bad record never blocks the others
                problems.append(f"{folder.name}: {type(err).__name__}: {first_line(err)}")
    return logged, problems


def _lock(fd: int, wait: bool) -> bool:
    """An exclusive lock on `fd`; with `wait`, up to `LOCK_WAIT_S`."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if not wait or time.monotonic() > deadline:
                return False
            time.sleep(0.1)


def _log_folder(folder: Path, home: Path, *, wait: bool = True) -> tuple[str, str | None] | None:
    """Log the record in `folder` under its lock and delete it; its run id and registered model
    version (None when another writer logged it or holds it and `wait` is off)."""
    try:
        fd = os.open(folder / RECORD, os.O_RDONLY)
    except FileNotFoundError:
        return None  # logged meanwhile
    try:
        if not _lock(fd, wait):
            return None
        if os.fstat(fd).st_nlink == 0:
            return None  # the writer that held it logged and deleted it
        with os.fdopen(os.dup(fd)) as stream:
            record = RunRecord.from_json(stream.read(MAX_RECORD_BYTES + 1))
        logged = log_record(record, folder, home)
        os.unlink(folder / RECORD)
        shutil.rmtree(folder, ignore_errors=True)
        return logged
    finally:
        os.close(fd)


def log_record(record: RunRecord, folder: Path, home: Path, parent_run_id: str | None = None) -> tuple[str, str | None]:
    """Create (or find, by its run key) the record's run and log its content (files from
    `folder/files`), then its nested runs (from `folder/children/KEY`), as the same calls on a
    `TrackedRun` would have; its run id and registered model version."""
    files = folder / "files"
    from gensim.tracking.tracker import Tracker

    tracker = Tracker(record.tracking_uri, record.artifact_root)
    if not tracker.enabled:
        raise RuntimeError(f"tracking store {record.tracking_uri} unreachable")
    client = tracker.client
    experiment_id = _require(tracker.experiment_id(record.experiment), "experiment not opened")
    remember_experiment_id(record.tracking_uri, record.experiment, experiment_id, home)
    found = client.search_runs([experiment_id], f"tags.`gensim.run_key` = '{record.key}'", max_results=1)
    if found:
        run_id = str(found[0].info.run_id)
    else:
        first = {k: v for k, v in record.tags.items() if k != "mlflow.runName"}  # renamed below
        if parent_run_id is not None:
            first["mlflow.parentRunId"] = parent_run_id
        run_id = str(client.create_run(experiment_id, start_time=record.start_ms, run_name=record.name,
                                       tags=first).info.run_id)
    from gensim.tracking.run import TrackedRun

    run = TrackedRun(tracker, run_id, record.experiment)
    tracker._experiments[record.experiment] = experiment_id
    if record.params:
        run.log_params(record.params)
    if record.metrics:  # records written before metric histories
        run.log_metrics(record.metrics)
    if record.history and not found:  # a re-logged run has its history already
        from mlflow.entities import Metric

        items = [Metric(k, v, ms, step) for k, v, step, ms in record.history]
        for start in range(0, len(items), 1000):
            client.log_batch(run_id, metrics=items[start:start + 1000])
    for artifact_file, data in record.dicts:
        run.log_dict(data, artifact_file)
    for name, artifact_path in record.files:
        run.log_artifact(files / name, artifact_path)
    for plot in record.plots:
        try:
            run.log_figure(plot.figure(), plot.artifact_file)
        except Exception as err:  # noqa: BLE001 - a picture must not keep the run from being logged
            warn_once(f"plot {plot.artifact_file}", f"figure {plot.artifact_file} not drawn: "
                      f"{type(err).__name__}: {first_line(err)}")
    for dataset in record.datasets:
        import numpy as np

        features = {k: np.frombuffer(base64.b64decode(v["data"]), dtype=np.dtype(v["dtype"])).reshape(v["shape"])
                    for k, v in dict(dataset["features"]).items()}
        run.log_dataset(features, name=str(dataset["name"]), source=str(dataset["source"]),
                        digest=dataset.get("digest"), context=str(dataset.get("context", "training")))
    tags = dict(record.tags)
    version = _register(run, record, tags, home, found=bool(found))
    run.set_tags(tags)
    for child in record.children:
        log_record(child, folder / "children" / child.key, home, parent_run_id=run_id)
    for callback in record.callbacks:
        callback.call(run_id, version)
    client.set_terminated(run_id, record.status, end_time=record.end_ms)
    return run_id, version


def _register(run: Any, record: RunRecord, tags: dict[str, str], home: Path, *, found: bool) -> str | None:
    """The record's model registration (once, also when re-logged); where the registry gave
    another version than the predicted one, the run's tags that named it are corrected."""
    if record.register is None:
        return None
    spec = record.register
    client = run.tracker.client
    versions = client.search_model_versions(f"run_id = '{run.run_id}'") if found else []
    mine = [v for v in versions if v.name == spec["name"]]
    if mine:
        version = str(mine[0].version)
    else:
        version = _require(run.register_model(spec["artifact_path"], spec["name"], tags=spec["tags"],
                                              description=spec["description"]), "model not registered")
    remember_model_version(record.tracking_uri, spec["name"], version, home)
    predicted = spec.get("predicted")
    if predicted and predicted != version:
        old, new = f"{spec['name']}:{predicted}", f"{spec['name']}:{version}"
        for key, value in tags.items():
            tags[key] = value.replace(old, new) if key in ("mlflow.runName", "gensim.model") else value
    return version


def _require(value: str | None, message: str) -> str:
    if value is None:
        raise RuntimeError(message)
    return value


def main(argv: list[str]) -> int:
    """The detached writer: log every pending record of the home `argv[0]`."""
    home = Path(argv[0])
    logged, problems = flush(home, wait=False)
    for line in problems:
        sys.stderr.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
