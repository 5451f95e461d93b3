"""Runs left RUNNING by a process that died are closed as KILLED by the next command that opens a
run in the same experiment; runs of live processes and of other hosts are left alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gensim.tracking import stale
from gensim.tracking.tracker import Tracker


def test_runs_of_dead_processes_are_closed_as_killed(tmp_path: Path) -> None:
    tracker = Tracker(f"sqlite:///{tmp_path / 'mlflow.db'}", (tmp_path / "artifacts").as_uri())
    experiment = tracker.experiment_id("gensim/stale-test")
    assert experiment is not None
    dead = subprocess.Popen(["true"])
    dead.wait()  # its pid now names no process
    mine = stale.owner_tags()
    left = {
        "dead": mine | {stale.PID_TAG: str(dead.pid)},
        "reused": mine | {stale.START_TAG: "1"},  # our pid, but another process's start time
        "alive": mine,
        "other-host": mine | {stale.HOST_TAG: "another-host", stale.PID_TAG: str(dead.pid)},
    }
    ids = {name: tracker.client.create_run(experiment, run_name=name, tags=tags).info.run_id
           for name, tags in left.items()}
    with tracker.run("gensim/stale-test", "next command") as run:
        assert run.run_id is not None
    status = {name: tracker.client.get_run(run_id).info.status for name, run_id in ids.items()}
    assert status == {"dead": "KILLED", "reused": "KILLED", "alive": "RUNNING", "other-host": "RUNNING"}
    closed = tracker.client.get_run(ids["dead"]).data.tags["gensim.closed_because"]
    assert str(dead.pid) in closed
    assert stale.owner_gone(tracker.client.get_run(run.run_id).data.tags) is False
