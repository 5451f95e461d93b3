"""A training logged through the outbox ends in MLflow as the live run would have: same params,
metric histories (steps and values), tags, artifacts and registered version tags; its checkpoint
row gets the run and the real version; `gensim eval` finds the model through the task DB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gensim.training.config import TrainConfig

# Values that differ between two runs of the same training by nature (times, ids, paths, hosts).
TIMED = ("seconds", "samples_per_second", "val/seconds")
RUN_SPECIFIC_TAGS = ("gensim.run_key", "gensim.host", "gensim.pid", "gensim.pid_start",
                     "gensim.checkpoint_id", "gensim.checkpoint_path", "gensim.model", "mlflow.runName")


def _toy() -> TrainConfig:
    return TrainConfig(tasks=["block-insertion"], demos=2, max_steps=4, val_interval=2, val_episodes=1,
                       batch_size=1, log_every=1, augment=False, cpu_threads=1,
                       policy={"language": False, "width": 4, "levels": 2, "stride": 4, "feature_dim": 4,
                               "crop_size": 32})


def _state(client: Any, run_id: str) -> dict[str, Any]:
    """What a run holds, less what differs between two runs by nature."""
    run = client.get_run(run_id)
    metrics = {}
    for key in run.data.metrics:
        if key.startswith("system/"):
            continue  # the live run samples the machine; the deferred one has no sampler
        history = client.get_metric_history(run_id, key)
        metrics[key] = sorted((m.step, None if key.split("/")[-1] in TIMED or key.endswith(TIMED)
                               else round(m.value, 5)) for m in history)
    artifacts: list[str] = []
    todo = [None]
    while todo:
        for item in client.list_artifacts(run_id, todo.pop()):
            (todo.append(item.path) if item.is_dir else artifacts.append(item.path))
    versions = client.search_model_versions(f"run_id = '{run_id}'")
    return {
        "status": run.info.status,
        "params": run.data.params,
        "metrics": metrics,
        "tags": {k: v for k, v in run.data.tags.items()
                 if k not in RUN_SPECIFIC_TAGS and not k.startswith("mlflow.") or k == "mlflow.user"},
        "artifacts": sorted(artifacts),
        "inputs": sorted(d.dataset.name for d in run.inputs.dataset_inputs),
        "model_tags": sorted((k, v) for v in versions for k, v in v.tags.items()
                             if k not in ("gensim.checkpoint_id", "gensim.checkpoint_path")),
    }


@pytest.mark.slow  # two toy trainings with validation rollouts (40-90 s here)
def test_deferred_training_ends_in_mlflow_as_the_live_run(gensim_home: Path) -> None:
    from gensim.db import provenance
    from gensim.tracking import get_tracker
    from gensim.training.models import resolve_model
    from gensim.training.train import train

    live = train(_toy(), defer_tracking=False)
    deferred = train(_toy(), defer_tracking=True)  # GENSIM_TRACKING_SYNC=1: logged before returning
    assert live.run_id and deferred.run_id and live.run_id != deferred.run_id
    client = get_tracker().client
    mine, theirs = _state(client, deferred.run_id), _state(client, live.run_id)
    assert any(len(h) > 1 for h in mine["metrics"].values())  # step histories, not last values
    assert mine == theirs

    name, version = deferred.model.split(":")
    assert client.get_model_version(name, version).run_id == deferred.run_id
    assert client.get_run(deferred.run_id).info.run_name.endswith(f"-> {deferred.model}")
    row = provenance.get_checkpoint(deferred.checkpoint_id or 0)
    assert (row.mlflow_run_id, row.registered_model_version) == (deferred.run_id, version)
    found = resolve_model(deferred.model)
    assert found.checkpoint == Path(deferred.checkpoint) and found.run_id == deferred.run_id
