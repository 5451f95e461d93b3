"""Runs logged through the Tracker into a temporary SQLite store, read back with MlflowClient."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gensim.tracking import GENERATE, TRAIN, Tracker


@pytest.fixture(scope="module")
def tracker(tmp_path_factory: pytest.TempPathFactory) -> Tracker:
    """One store per module: MLflow migrates a new SQLite store on first use (seconds)."""
    root = tmp_path_factory.mktemp("mlflow")
    tracker = Tracker(f"sqlite:///{root / 'mlflow.db'}", (root / "artifacts").as_uri())
    assert tracker.enabled
    return tracker


@pytest.fixture(scope="module")
def client(tracker: Tracker) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracker.uri)


def test_parent_with_two_children_params_metrics_artifacts(
    tracker: Tracker, client: Any, tmp_path: Path
) -> None:
    config = {"mode": "topdown", "llm": {"model": "composer", "temperature": 0.2}}
    with tracker.run(GENERATE, "campaign-1", tags={"target": "build-car"}, params=config) as run:
        for i, name in enumerate(("candidate-a", "candidate-b")):
            with run.child(name, tags={"task": name}, params={"index": i}) as child:
                child.log_metrics({"success_rate": 0.5 + i / 4}, step=0)
                child.log_metric("success_rate", 0.75 + i / 8, step=1)
        run.log_metrics({"admitted": 2.0})
        run.log_dict({"admitted": ["a", "b"]}, "summary.json")
        run.log_text("all good\n", "notes/log.txt")
        note = tmp_path / "resolved.yaml"
        note.write_text("mode: topdown\n")
        run.log_artifact(note, "config")
        parent_id = run.run_id

    assert parent_id is not None
    parent = client.get_run(parent_id)
    assert parent.info.status == "FINISHED" and parent.info.run_name == "campaign-1"
    assert parent.data.params == {
        "mode": "topdown",
        "llm.model": "composer",
        "llm.temperature": "0.2",
    }
    assert parent.data.tags["target"] == "build-car"
    assert parent.data.metrics == {"admitted": 2.0}
    experiment = client.get_experiment(parent.info.experiment_id)
    assert experiment.name == GENERATE
    assert experiment.artifact_location == f"{tracker.artifact_root}/{GENERATE}"

    children = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent_id}'"
    )
    assert sorted(c.info.run_name for c in children) == ["candidate-a", "candidate-b"]
    child_b = next(c for c in children if c.info.run_name == "candidate-b")
    assert child_b.info.status == "FINISHED" and child_b.data.params == {"index": "1"}
    history = client.get_metric_history(child_b.info.run_id, "success_rate")
    assert [(m.step, m.value) for m in history] == [(0, 0.75), (1, 0.875)]

    listed = {a.path for a in client.list_artifacts(parent_id)}
    assert listed == {"summary.json", "notes", "config"}
    local = Path(client.download_artifacts(parent_id, "summary.json", str(tmp_path)))
    assert json.loads(local.read_text()) == {"admitted": ["a", "b"]}
    assert [a.path for a in client.list_artifacts(parent_id, "config")] == ["config/resolved.yaml"]


def test_run_status_on_error_and_interrupt(tracker: Tracker, client: Any) -> None:
    with pytest.raises(ValueError), tracker.run(TRAIN, "fails") as failing:
        raise ValueError("bad batch")
    with pytest.raises(KeyboardInterrupt), tracker.run(TRAIN, "stopped") as stopped:
        raise KeyboardInterrupt
    failed = client.get_run(failing.run_id)
    assert failed.info.status == "FAILED"
    assert failed.data.tags["gensim.error"] == "ValueError: bad batch"
    assert client.get_run(stopped.run_id).info.status == "KILLED"


def test_images_datasets_and_model_registration(
    tracker: Tracker, client: Any, tmp_path: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    from PIL import Image

    weights = tmp_path / "policy.ckpt"
    weights.write_bytes(b"\x00" * 64)
    figure, axes = plt.subplots()
    axes.plot([0, 1], [1, 0])
    with tracker.run(TRAIN, "train-1") as run:
        run.log_image(Image.new("RGB", (16, 8), "red"), "images/frame.png")
        run.log_image(np.zeros((8, 8, 3), dtype=np.uint8), "images/blank.png")
        run.log_figure(figure, "plots/loss.png")
        frame = pd.DataFrame({"episode": [0, 1], "reward": [0.0, 1.0]})
        run.log_dataset(
            frame, name="episodes", source=str(tmp_path), digest="d-123", targets="reward"
        )
        run.log_dataset(
            {"obs": np.zeros((4, 2))}, name="arrays", source=str(tmp_path), digest="d-456"
        )
        run.log_artifact(weights, "checkpoint")
        first = run.register_model("checkpoint", "gensim-test-policy", tags={"tasks": "build-car"})
        second = run.register_model("checkpoint", "gensim-test-policy")
    plt.close(figure)

    assert (first, second) == ("1", "2")
    stored = client.get_run(run.run_id)
    assert {a.path for a in client.list_artifacts(run.run_id, "images")} == {
        "images/frame.png",
        "images/blank.png",
    }
    assert [a.path for a in client.list_artifacts(run.run_id, "plots")] == ["plots/loss.png"]
    inputs = {(i.dataset.name, i.dataset.digest) for i in stored.inputs.dataset_inputs}
    assert inputs == {("episodes", "d-123"), ("arrays", "d-456")}
    contexts = {tag.value for i in stored.inputs.dataset_inputs for tag in i.tags}
    assert contexts == {"training"}
    version = client.get_model_version("gensim-test-policy", "1")
    assert version.run_id == run.run_id and version.tags == {"tasks": "build-car"}
    assert version.source.endswith("/artifacts/checkpoint")


def test_a_failing_call_warns_once_and_tracking_continues(
    tracker: Tracker, client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with tracker.run(TRAIN, "param-clash", params={"lr": 0.1}) as run:
        for _ in range(3):  # MLflow refuses to change a logged parameter
            assert run.log_params({"lr": 0.2}) is None
        run.log_metrics({"loss": 1.5})
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1 and "MLflow call failed" in lines[0], lines
    assert tracker.enabled
    stored = client.get_run(run.run_id)
    assert stored.data.params == {"lr": "0.1"} and stored.data.metrics == {"loss": 1.5}
    assert stored.info.status == "FINISHED"
