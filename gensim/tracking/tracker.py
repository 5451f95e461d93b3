"""`Tracker`: experiments and runs in the MLflow tracking store of the settings.

    tracker = get_tracker()
    with tracker.run(GENERATE, "campaign-12", tags={"mode": "topdown"}, params=cfg) as run:
        with run.child("candidate-build-car") as child:
            child.log_metrics({"success_rate": 0.9})
        run.log_dict(summary, "summary.json")

A run ends FINISHED when its block completes, FAILED when it raises, KILLED on Ctrl-C. When the
store cannot be reached, the first use warns once on stderr and every call becomes a no-op
returning None; a failing call warns once per kind of error and work carries on.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from gensim.tracking.run import TrackedRun
from gensim.tracking.store import first_line, import_mlflow, mask_uri, probe, warn_once

T = TypeVar("T")

# MLflow 3's UI shows an experiment in its GenAI view (traces) unless the experiment says it
# holds model training (this tag) or the page's URL asks for the classic view (`UI_VIEW_QUERY`).
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"
UI_VIEW_QUERY = "workflowType=machine_learning"
UI_DEFAULT_URL = "http://127.0.0.1:5000"  # `gensim ui` with its default host and port


def run_link(url: str | None) -> str:
    """How commands end: the run's UI page, and how to serve the UI for a local store."""
    if url is None:
        return "- (tracking off)"
    return url if not url.startswith(UI_DEFAULT_URL) else f"{url}  (serve it: gensim ui)"


class Pending:
    """`fn()` running in a daemon thread; `result()` waits for it (None if it raised)."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._value: Any = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True,
                                        name="gensim-tracking")
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self._value = fn()
        except Exception as err:  # noqa: BLE001 - tracking never stops the work
            warn_once(f"open {type(err).__name__}", f"MLflow run not opened ({first_line(err)}); continuing")

    def result(self) -> Any:
        self._thread.join()
        return self._value

# The experiments of the product's flows.
GENERATE = "gensim/generate"
DEMOS = "gensim/demos"
TRAIN = "gensim/train"
EVAL = "gensim/eval"
EXPERIMENTS = (GENERATE, DEMOS, TRAIN, EVAL)


class Tracker:
    """Runs in one tracking store. Defaults come from `gensim.config.get_settings()`:
    `tracking_uri` (SQLite in the home folder) and `artifact_root` (where new experiments keep
    their artifacts, one folder per experiment)."""

    def __init__(self, tracking_uri: str | None = None, artifact_root: str | None = None) -> None:
        if tracking_uri is None or artifact_root is None:
            from gensim.config import get_settings

            settings = get_settings()
            tracking_uri = tracking_uri or settings.tracking_uri
            artifact_root = artifact_root or settings.artifact_root
        self.uri = tracking_uri
        self.artifact_root = artifact_root.rstrip("/")
        self._enabled: bool | None = None  # decided by the first use
        self._client: Any = None
        self._experiments: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether the store answered (probed once, on first use)."""
        if self._enabled is None:
            with self._lock:
                if self._enabled is None:
                    reason = probe(self.uri)
                    if reason is None:
                        self._client = import_mlflow().tracking.MlflowClient(tracking_uri=self.uri)
                        self._enabled = True
                        from gensim.tracking.outbox import flush_stale_later

                        flush_stale_later()  # runs whose detached writer died
                    else:
                        self._disable(reason)
        return bool(self._enabled)

    @property
    def client(self) -> Any:
        """The `mlflow.tracking.MlflowClient`, or None when tracking is off."""
        return self._client if self.enabled else None

    def _disable(self, reason: str) -> None:
        self._enabled = False
        warn_once(
            f"unreachable {self.uri}",
            f"MLflow tracking store {mask_uri(self.uri)} unreachable ({reason}); "
            "tracking is off, work is still recorded in the task database",
        )

    def guard(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """`fn(*args, **kwargs)`, or None (with one warning) if tracking is off or it fails."""
        if not self.enabled:
            return None
        try:
            return fn(*args, **kwargs)
        except Exception as err:
            reason = probe(self.uri)
            if reason is not None:
                self._disable(reason)
            else:
                warn_once(
                    f"failed {self.uri} {type(err).__name__}",
                    f"MLflow call failed ({type(err).__name__}: {first_line(err)}); continuing",
                )
            return None

    def ui_base(self) -> str:
        """Where the UI of this store answers: the tracking server itself, else `gensim ui`'s
        default address."""
        if self.uri.startswith(("http://", "https://")):
            parsed = urllib.parse.urlparse(self.uri)
            return parsed._replace(netloc=parsed.netloc.rsplit("@", 1)[-1]).geturl().rstrip("/")
        return UI_DEFAULT_URL

    def run_url(self, experiment: str, run_id: str | None) -> str | None:
        """The UI page of run `run_id` of `experiment` (in the view that shows runs)."""
        experiment_id = self._experiments.get(experiment)
        if run_id is None or experiment_id is None:
            return None
        return f"{self.ui_base()}/#/experiments/{experiment_id}/runs/{run_id}?{UI_VIEW_QUERY}"

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """`MlflowClient.<method>(*args, **kwargs)` under `guard`."""
        if not self.enabled:
            return None
        return self.guard(getattr(self._client, method), *args, **kwargs)

    def experiment_id(self, name: str) -> str | None:
        """The id of experiment `name`, created (artifacts under artifact_root/name) if new."""
        if name in self._experiments:  # known to this process; the home may be new to it
            from gensim.tracking.outbox import remember_experiment_id

            remember_experiment_id(self.uri, name, self._experiments[name])
            return self._experiments[name]

        def find_or_create() -> str:
            client = self._client
            found = client.get_experiment_by_name(name)
            if found is None:
                try:
                    location = f"{self.artifact_root}/{name}"
                    return str(client.create_experiment(name, artifact_location=location,
                                                        tags={EXPERIMENT_KIND_TAG: EXPERIMENT_KIND}))
                except Exception:  # another process created it first
                    found = client.get_experiment_by_name(name)
                    if found is None:
                        raise
            if EXPERIMENT_KIND_TAG not in (found.tags or {}):  # made before gensim set the kind
                client.set_experiment_tag(found.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
            return str(found.experiment_id)

        experiment_id = self.guard(find_or_create)
        if experiment_id is not None:
            self._experiments[name] = experiment_id
            from gensim.tracking.outbox import remember_experiment_id

            remember_experiment_id(self.uri, name, experiment_id)  # for deferred runs' links
        return experiment_id

    @contextmanager
    def run(
        self,
        experiment: str,
        name: str,
        *,
        tags: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        parent: TrackedRun | None = None,
        system_metrics: bool = False,
        system_metrics_interval_s: float = 10.0,
        started_at: float | None = None,
    ) -> Iterator[TrackedRun]:
        """A run named `name` in `experiment` (nested under `parent` when given), with `tags`
        and `params` logged at the start; `system_metrics` samples CPU/memory/disk (needs psutil).

        The run starts at `started_at` (seconds since the epoch; default now), so a caller that
        opens it after its work still records the work's duration. Opening the store (importing
        mlflow, probing, creating the experiment and the run) happens in a background thread:
        the block's work goes on meanwhile, and the first call that needs the run waits for it.
        """
        started_ms = int((time.time() if started_at is None else started_at) * 1000)

        def open_run() -> tuple[str | None, Any]:
            run_id = self._create_run(experiment, name, tags, parent, started_ms)
            if run_id is not None and params:
                TrackedRun(self, run_id, experiment).log_params(params)
            monitor = self._start_monitor(run_id, system_metrics_interval_s) if system_metrics else None
            return run_id, monitor

        pending = Pending(open_run)
        handle = TrackedRun(self, None, experiment, pending=pending)
        status = "FINISHED"
        try:
            yield handle
        except KeyboardInterrupt:
            status = "KILLED"
            raise
        except BaseException as err:
            status = "FAILED"
            handle.set_tags({"gensim.error": f"{type(err).__name__}: {first_line(err)}"})
            raise
        finally:
            opened = pending.result()
            monitor = None if opened is None else opened[1]
            if monitor is not None:
                self.guard(monitor.finish)
            if handle.active:
                self.call("set_terminated", handle.run_id, status)
                from gensim.tracking import stale

                stale.note_closed(handle.run_id)

    def _create_run(
        self, experiment: str, name: str, tags: Mapping[str, Any] | None, parent: TrackedRun | None,
        started_ms: int,
    ) -> str | None:
        if not self.enabled:
            return None
        experiment_id = self.experiment_id(experiment)
        if experiment_id is None:
            return None
        from gensim.tracking import stale

        stale.sweep(self, experiment_id)  # runs a killed process left RUNNING (see stale.py)
        all_tags = {key: str(value) for key, value in (tags or {}).items()} | stale.owner_tags()
        if parent is not None and parent.run_id is not None:
            all_tags["mlflow.parentRunId"] = parent.run_id
        created = self.call("create_run", experiment_id, start_time=started_ms, run_name=name, tags=all_tags)
        if created is None:
            return None
        stale.note_open(self, str(created.info.run_id))
        return str(created.info.run_id)

    def _start_monitor(self, run_id: str | None, interval_s: float) -> Any:
        import importlib.util

        if run_id is None:
            return None
        if importlib.util.find_spec("psutil") is None:
            warn_once("psutil", "system metrics need the psutil package; not logging them")
            return None

        def start() -> Any:
            from mlflow.system_metrics.system_metrics_monitor import SystemMetricsMonitor

            monitor = SystemMetricsMonitor(
                run_id, sampling_interval=interval_s, tracking_uri=self.uri
            )
            monitor.start()
            return monitor

        return self.guard(start)

    def register(
        self,
        run_id: str,
        artifact_path: str,
        name: str,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> str | None:
        """Register run `run_id`'s artifact at `artifact_path` as a new version of model `name`."""

        def register_version() -> str:
            client = self._client
            try:
                client.create_registered_model(name)
            except Exception:  # it exists already (or a concurrent run created it)
                client.get_registered_model(name)
            run = client.get_run(run_id)
            source = f"{run.info.artifact_uri.rstrip('/')}/{artifact_path.strip('/')}"
            version = client.create_model_version(
                name,
                source,
                run_id=run_id,
                tags={key: str(value) for key, value in (tags or {}).items()},
                description=description,
            )
            return str(version.version)

        return self.guard(register_version)


_trackers: dict[tuple[str, str], Tracker] = {}
_trackers_lock = threading.Lock()


def get_tracker() -> Tracker:
    """The process's tracker for the current settings (one per tracking URI and artifact root)."""
    from gensim.config import get_settings

    settings = get_settings()
    key = (settings.tracking_uri, settings.artifact_root)
    with _trackers_lock:
        tracker = _trackers.get(key)
        if tracker is None:
            tracker = _trackers[key] = Tracker(*key)
    return tracker
