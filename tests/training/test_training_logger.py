"""`RunLogger` forwards Lightning's metrics and hyperparameters into a real MLflow run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gensim.tracking import TRAIN, get_tracker
from gensim.tracking.lightning import RunLogger


def test_lightning_metrics_land_in_the_tracked_run(gensim_home: Path) -> None:
    tracker = get_tracker()
    with tracker.run(TRAIN, "logger-test") as run:
        logger = RunLogger(run)
        logger.log_hyperparams({"lr": 0.001, "policy": {"width": 8}})
        logger.log_metrics({"train/loss": 2.5, "epoch": 0}, step=3)
        logger.log_metrics({"train/loss": 1.5}, step=4)
        assert logger.version == run.run_id
    client: Any = tracker.client
    data = client.get_run(run.run_id).data
    assert data.params["lr"] == "0.001" and data.params["policy.width"] == "8"
    history = client.get_metric_history(run.run_id, "train/loss")
    assert [(m.step, m.value) for m in history] == [(3, 2.5), (4, 1.5)]
    assert "epoch" not in data.metrics
