"""Logging to an MLflow tracking server over HTTP, as a team would run it: the test starts
`mlflow server` on 127.0.0.1 (SQLite backend and served artifacts in a temporary folder), runs
a campaign, a dataset and a training through the console script pointed at it, and reads the
runs back through the server's REST API only (no MLflow client in this process)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 180.0  # the server imports MLflow's whole stack; generous for a loaded machine

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", "MLFLOW_DISABLE_TELEMETRY": "true"}
    cmd = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1", "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
           "--artifacts-destination", str(tmp_path / "server-artifacts")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert proc.poll() is None, f"mlflow server exited: {proc.stderr.read().decode()[-2000:]}"  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, "mlflow server did not answer"
            time.sleep(0.5)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)


def _api(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(f"{url}/api/2.0/mlflow/{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as answer:
        return dict(json.loads(answer.read()))


def _get(url: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/api/2.0/mlflow/{path}", timeout=60) as answer:
        return dict(json.loads(answer.read()))


def _gensim(home: Path, url: str, *args: str) -> dict[str, Any]:
    env = {**os.environ, "GENSIM_HOME": str(home), "GENSIM_MLFLOW_TRACKING_URI": url, "PYTHONPATH": str(ROOT),
           "GENSIM_TRACKING_SYNC": "1", "MLFLOW_DISABLE_TELEMETRY": "true"}
    done = subprocess.run([sys.executable, "-m", "gensim.cli.main", *args, "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


def _runs(url: str, experiment: str) -> list[dict[str, Any]]:
    found = _get(url, f"experiments/get-by-name?experiment_name={urllib.parse.quote(experiment)}")
    experiment_id = found["experiment"]["experiment_id"]
    return list(_api(url, "runs/search", {"experiment_ids": [experiment_id], "max_results": 100}).get("runs", []))


def _metrics(run: dict[str, Any]) -> dict[str, float]:
    return {m["key"]: float(m["value"]) for m in run["data"].get("metrics", [])}


def _params(run: dict[str, Any]) -> dict[str, str]:
    return {p["key"]: p["value"] for p in run["data"].get("params", [])}


def test_campaign_dataset_and_training_logged_to_a_tracking_server(server: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    campaign = _gensim(home, server, "generate", "--mode", "bottomup", "--trials", "2", "--llm", "offline")
    demos = _gensim(home, server, "demos", "block-insertion", "-n", "1")
    train = _gensim(home, server, "train", "--tasks", "block-insertion", "--demos", "1", "--max-steps", "3",
                    "--val-episodes", "1", "--val-interval", "0", "--no-language", "--batch-size", "1",
                    "--cpu-threads", "1")

    generate_runs = _runs(server, "gensim/generate")
    parents = [r for r in generate_runs if "mlflow.parentRunId" not in
               {t["key"] for t in r["data"].get("tags", [])}]
    assert len(parents) == 1 and parents[0]["info"]["status"] == "FINISHED"
    assert _metrics(parents[0])["candidates"] == campaign["candidates"] == 2
    assert len(generate_runs) > 1  # one child run per candidate

    (demos_run,) = _runs(server, "gensim/demos")
    assert demos_run["info"]["status"] == "FINISHED"
    assert _metrics(demos_run)["episodes"] == demos["episodes"] == 1
    assert _params(demos_run)["task"] == "block-insertion"
    assert demos_run["inputs"]["dataset_inputs"], "the dataset is logged as the run's input"

    (train_run,) = _runs(server, "gensim/train")
    assert train_run["info"]["status"] == "FINISHED"
    assert _params(train_run)["max_steps"] == "3"
    assert train_run["inputs"]["dataset_inputs"]
    models = _get(server, "registered-models/search?max_results=100").get("registered_models", [])
    assert any(train["model"].startswith(m["name"] + ":") for m in models), (train["model"], models)
    # artifacts went to the server's store, not the client's disk
    assert train_run["info"]["artifact_uri"].startswith("mlflow-artifacts:")
