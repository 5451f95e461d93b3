"""Deferred runs: kept as records in the outbox, logged by a writer or `flush`, with their
content, status and times; records decoded with limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gensim.tracking import DEMOS, get_tracker
from gensim.tracking.outbox import RunRecord, deferred_run, flush, pending


def _run_by_key(key: str):  # noqa: ANN202 - an mlflow Run
    tracker = get_tracker()
    experiment_id = tracker.experiment_id(DEMOS)
    found = tracker.client.search_runs([experiment_id], f"tags.`gensim.run_key` = '{key}'")
    assert len(found) == 1
    return found[0]


@pytest.mark.slow  # waits for the detached writer: a second interpreter importing MLflow (10-25 s here)
def test_deferred_run_is_logged_by_flush_with_its_content(gensim_home: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_tracker().experiment_id(DEMOS)  # the store is known: runs are deferred
    monkeypatch.delenv("GENSIM_TRACKING_SYNC")
    picture = tmp_path / "sample.txt"
    picture.write_text("frames")
    with deferred_run(DEMOS, "deferred test", params={"n": 3, "cfg": {"a": 1}}, tags={"k": "v"}) as run:
        run.log_metrics({"episodes": 3})
        run.log_dict({"x": [1, 2]}, "demos.json")
        run.log_artifact(picture, "sample")
        picture.unlink()  # the record holds its own copy
    assert run.run_id is None and run.url and "searchFilter=" in run.url
    key = run.record.key
    logged, problems = flush()  # waits for the detached writer if it holds the record
    assert problems == [] and pending() == []
    found = _run_by_key(key)
    assert found.info.status == "FINISHED" and found.info.run_name == "deferred test"
    assert found.data.params == {"n": "3", "cfg.a": "1"} and found.data.metrics["episodes"] == 3
    assert found.data.tags["k"] == "v"
    assert found.info.start_time <= found.info.end_time == run.record.end_ms
    client = get_tracker().client
    assert sorted(a.path for a in client.list_artifacts(found.info.run_id, "sample")) == ["sample/sample.txt"]
    assert logged in (0, 1)  # 0 when the detached writer logged it first


def test_a_failing_block_is_logged_failed_in_the_foreground(gensim_home: Path) -> None:
    with pytest.raises(ValueError), deferred_run(DEMOS, "failing") as run:  # GENSIM_TRACKING_SYNC=1
        raise ValueError("boom")
    assert run.run_id and run.url and f"/runs/{run.run_id}?" in run.url
    found = _run_by_key(run.record.key)
    assert found.info.status == "FAILED" and found.data.tags["gensim.error"] == "ValueError: boom"


@pytest.mark.parametrize("change", [{"key": "../../etc"}, {"files": [["../x", None]]},
                                    {"files": [["0/../../x", None]]}])
def test_records_are_decoded_with_limits(change: dict) -> None:
    doc = json.loads(RunRecord(key="a" * 32, tracking_uri="sqlite:///x.db", artifact_root="/a",
                               experiment=DEMOS, name="n", start_ms=1).to_json())
    RunRecord.from_json(json.dumps(doc))
    with pytest.raises(ValueError):
        RunRecord.from_json(json.dumps(doc | change))


def test_only_a_stale_record_gets_a_new_writer(gensim_home: Path) -> None:
    """A record whose writer died (older than STALE_S) makes the next store opening start one;
    a fresh record (its writer still at work) does not."""
    import os
    import time

    from gensim.tracking.outbox import RECORD, STALE_S, flush_stale_later, outbox_dir

    tracker = get_tracker()
    folder = outbox_dir() / ("b" * 32)
    folder.mkdir(parents=True)
    (folder / RECORD).write_text(RunRecord(key="b" * 32, tracking_uri=tracker.uri,
                                           artifact_root=tracker.artifact_root, experiment=DEMOS,
                                           name="left over", start_ms=1, end_ms=2).to_json())
    log = outbox_dir() / "writer.log"  # made by the spawn itself, before the writer runs
    flush_stale_later()
    assert not log.exists()
    old = time.time() - STALE_S - 10
    os.utime(folder, (old, old))
    flush_stale_later()
    assert log.exists()
    _, problems = flush()  # the new writer or this flush logs it (flush waits for the writer)
    assert problems == [] and pending() == []


def test_trainings_ending_at_once_are_told_different_versions(gensim_home: Path) -> None:
    """Each deferred registration reserves the version it predicts: the next one gets the next
    number, before either run reaches MLflow (no MLflow here)."""
    from gensim.tracking.outbox import predict_version, remember_model_version, reserve_version

    uri = "sqlite:///nowhere.db"
    assert predict_version(uri, "m") == "1"
    assert [reserve_version(uri, "m") for _ in range(3)] == ["1", "2", "3"]
    assert reserve_version(uri, "other") == "1"
    remember_model_version(uri, "m", "7")  # a writer saw version 7 in the registry
    assert reserve_version(uri, "m") == "8"


def test_a_deferred_plot_is_drawn_when_its_run_is_logged(gensim_home: Path) -> None:
    """`log_plot` keeps the figure as data (the command neither imports matplotlib nor draws);
    logging the record draws it; a refused target leaves the run logged without it."""
    results = {"block-insertion": {"success_rate": 0.5, "mean_reward": 0.5, "episodes": 2}}
    with deferred_run(DEMOS, "plotted") as run:  # GENSIM_TRACKING_SYNC=1: logged at the block's end
        run.log_plot("gensim.training.plots:success_per_task", "success_per_task.png",
                     results=results, title="test success")
        run.log_plot("os:system", "refused.png", command="true")
        assert run.record.files == [] and [p.artifact_file for p in run.record.plots] == [
            "success_per_task.png", "refused.png"]
    assert RunRecord.from_json(run.record.to_json()).plots == run.record.plots
    found = _run_by_key(run.record.key)
    assert found.info.status == "FINISHED"
    paths = [a.path for a in get_tracker().client.list_artifacts(found.info.run_id)]
    assert "success_per_task.png" in paths and "refused.png" not in paths
