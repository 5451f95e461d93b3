"""`TrackedRun`: what a caller logs into one MLflow run. Every method is a no-op returning None
when tracking is off, so callers never test for it."""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gensim.tracking.tracker import Pending, Tracker

_PARAMS_PER_BATCH = 100  # MLflow's limit per log_batch call
_METRICS_PER_BATCH = 1000
_PARAM_CHARS = 6000  # MLflow's longest parameter value


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys: {"a": {"b": 1}} -> {"a.b": 1}."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


class TrackedRun:
    """One MLflow run (or nothing, when `run_id` is None). Made by `Tracker.run`."""

    def __init__(self, tracker: Tracker, run_id: str | None, experiment: str, *,
                 pending: Pending | None = None) -> None:
        self.tracker = tracker
        self._run_id = run_id
        self._pending = pending  # the run being opened in the background (see `Tracker.run`)
        self.experiment = experiment

    @property
    def run_id(self) -> str | None:
        """The MLflow run id (None when tracking is off); waits for the run to be opened."""
        if self._pending is not None:
            opened = self._pending.result()
            self._run_id = None if opened is None else opened[0]
            self._pending = None
        return self._run_id

    @property
    def url(self) -> str | None:
        """The run's page in the MLflow UI (None when tracking is off)."""
        run_id = self.run_id
        return None if run_id is None else self.tracker.run_url(self.experiment, run_id)

    @property
    def active(self) -> bool:
        """Whether calls reach MLflow."""
        return self.run_id is not None and self.tracker.enabled

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if not self.active:
            return None
        return self.tracker.call(method, self.run_id, *args, **kwargs)

    def child(
        self,
        name: str,
        *,
        tags: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AbstractContextManager[TrackedRun]:
        """A nested run under this one, in the same experiment (same statuses as `Tracker.run`)."""
        return self.tracker.run(self.experiment, name, tags=tags, params=params, parent=self)

    def on_created(self, target: str, *, with_version: bool = False, **kwargs: Any) -> None:
        """Call `target(run_id=..., **kwargs)` ("gensim.module:function") now that the run
        exists (nothing when tracking is off); `DeferredRun` calls it once the run is logged.
        `with_version` passes `model_version=None` too (this run registers nothing yet)."""
        if self.active:
            from gensim.tracking.outbox import Callback

            Callback(target, kwargs, with_version).call(self.run_id or "")

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set tags (values become strings)."""
        for key, value in tags.items():
            self._call("set_tag", key, str(value))

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log parameters; nested mappings become dotted keys, values strings (cut at 6000)."""
        if not self.active:
            return
        from mlflow.entities import Param

        items = [Param(k, str(v)[:_PARAM_CHARS]) for k, v in flatten(params).items()]
        for start in range(0, len(items), _PARAMS_PER_BATCH):
            self._call("log_batch", params=items[start : start + _PARAMS_PER_BATCH])

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Log metric values at `step` (0 when not given)."""
        if not self.active:
            return
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [Metric(k, float(v), now, step or 0) for k, v in metrics.items()]
        for start in range(0, len(items), _METRICS_PER_BATCH):
            self._call("log_batch", metrics=items[start : start + _METRICS_PER_BATCH])

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        """Log one metric value."""
        self.log_metrics({key: value}, step)

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        """Copy a file or a whole folder into the run's artifacts (under `artifact_path`)."""
        method = "log_artifacts" if Path(path).is_dir() else "log_artifact"
        self._call(method, str(path), artifact_path)

    def log_dict(self, data: Mapping[str, Any], artifact_file: str) -> None:
        """Write a mapping as JSON (or YAML for .yaml/.yml) into the artifacts."""
        self._call("log_dict", dict(data), artifact_file)

    def log_text(self, text: str, artifact_file: str) -> None:
        """Write text into the artifacts."""
        self._call("log_text", text, artifact_file)

    def log_image(self, image: Any, artifact_file: str) -> None:
        """Write a PIL image or an HxW(x3/4) numpy array as an image artifact."""
        self._call("log_image", image, artifact_file)

    def log_figure(self, figure: Any, artifact_file: str) -> None:
        """Write a matplotlib figure as an image artifact."""
        self._call("log_figure", figure, artifact_file)

    def log_plot(self, target: str, artifact_file: str, **kwargs: Any) -> None:
        """The figure `target(**kwargs)` ("gensim.module:function", kwargs JSON-able) as an image
        artifact; `DeferredRun` keeps the call and its writer draws it (no matplotlib in the
        command)."""
        if self.active:
            from gensim.tracking.outbox import Plot

            self.log_figure(Plot(target, kwargs, artifact_file).figure(), artifact_file)

    def log_dataset(
        self,
        data: Any,
        *,
        name: str,
        source: str,
        digest: str | None = None,
        context: str = "training",
        targets: Any = None,
    ) -> None:
        """Record a dataset input: a pandas DataFrame (`targets` a column name) or numpy
        features (an array or dict of arrays, `targets` likewise); `digest` identifies content."""
        if not self.active:
            return None
        from mlflow.entities import DatasetInput, InputTag
        from mlflow.utils.mlflow_tags import MLFLOW_DATASET_CONTEXT

        def build() -> Any:
            made: Any
            if type(data).__name__ == "DataFrame":
                from mlflow.data.pandas_dataset import from_pandas

                made = from_pandas(data, source=source, targets=targets, name=name, digest=digest)
            else:
                from mlflow.data.numpy_dataset import from_numpy

                made = from_numpy(data, source=source, targets=targets, name=name, digest=digest)
            return made._to_mlflow_entity()  # the entity MlflowClient.log_inputs expects

        with warnings.catch_warnings():
            # MLflow hints about schema inference and ambiguous local sources; not actionable.
            warnings.simplefilter("ignore", UserWarning)
            entity = self.tracker.guard(build)
        if entity is not None:
            tags = [InputTag(MLFLOW_DATASET_CONTEXT, context)]
            self._call("log_inputs", datasets=[DatasetInput(entity, tags)])
        return None

    def register_model(
        self,
        artifact_path: str,
        name: str,
        *,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> str | None:
        """Register this run's artifact at `artifact_path` as a new version of model `name`;
        returns the version ("1", "2", ...)."""
        if not self.active:
            return None
        return self.tracker.register(self.run_id or "", artifact_path, name, tags, description)

    def artifact_uri(self) -> str | None:
        """Where this run's artifacts live."""
        info = self._call("get_run")
        return None if info is None else str(info.info.artifact_uri)
