"""Through the console script: a command ends with its MLflow run's link, the run's start and
end cover the work, and `gensim ui` lands in the view that shows runs (links per experiment,
experiments tagged as model development, no routine server chatter on stderr)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"MLflow run (http://127\.0\.0\.1:5000/#/experiments/(\d+)/runs/([0-9a-f]{32})"
                  r"\?workflowType=machine_learning)")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(GENSIM_HOME=str(home), PYTHONPATH=str(ROOT))
    return env


@pytest.fixture(scope="module")
def home_with_demos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, float, float]:
    """A home where `gensim demos block-insertion -n 1` ran: (home, stdout, t0, t1)."""
    home = tmp_path_factory.mktemp("links") / "home"
    before = time.time()
    proc = subprocess.run([sys.executable, "-m", "gensim.cli.main", "demos", "block-insertion", "-n", "1"],
                          env=_env(home), capture_output=True, text=True, timeout=300, check=False)
    after = time.time()
    assert proc.returncode == 0, proc.stderr
    return home, proc.stdout, before, after


def test_demos_ends_with_its_run_link_and_the_run_covers_the_work(
        home_with_demos: tuple[Path, str, float, float]) -> None:
    home, stdout, before, after = home_with_demos
    found = LINK.search(stdout)
    assert found, stdout
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    run = client.get_run(found.group(3))
    assert run.info.experiment_id == found.group(2)
    assert run.info.status == "FINISHED"
    seconds = float(run.data.metrics["seconds"])  # the episodes' own wall clock
    assert before * 1000 <= run.info.start_time <= run.info.end_time <= after * 1000
    assert (run.info.end_time - run.info.start_time) / 1000 >= seconds
    experiment = client.get_experiment(found.group(2))
    assert experiment.tags.get("mlflow.experimentKind") == "custom_model_development"


@pytest.mark.slow  # three gensim commands and a detached writer, each importing their stack (30-60 s)
def test_warm_demos_tracks_after_the_work_and_sync_logs_it(
        home_with_demos: tuple[Path, str, float, float]) -> None:
    """In a home whose store is known, `demos` imports no mlflow (its run is logged by a detached
    writer after it returns), its link is the experiment's runs filtered to the run, and after
    `gensim runs sync` the run is in MLflow, finished, with the dataset row naming it."""
    from urllib.parse import unquote

    from tests.cli.test_fail_fast import _gensim

    home, _, _, _ = home_with_demos
    code, _, heavy = _gensim(home, "demos", "block-insertion", "-n", "2", "--json")
    assert code == 0 and "mlflow" not in heavy, heavy
    before = time.time()
    proc = subprocess.run([sys.executable, "-m", "gensim.cli.main", "demos", "block-insertion", "-n", "3"],
                          env=_env(home), capture_output=True, text=True, timeout=300, check=False)
    after = time.time()
    assert proc.returncode == 0, proc.stderr
    found = re.search(r"MLflow run (http://127\.0\.0\.1:5000/#/experiments/(\d+)/runs\?searchFilter=(\S+)"
                      r"&workflowType=machine_learning)", proc.stdout)
    assert found, proc.stdout
    key = re.fullmatch(r"tags\.`gensim\.run_key` = '([0-9a-f]{32})'", unquote(found.group(3)))
    assert key, found.group(3)
    sync = subprocess.run([sys.executable, "-m", "gensim.cli.main", "runs", "sync", "--json"], env=_env(home),
                          capture_output=True, text=True, timeout=300, check=False)
    assert sync.returncode == 0 and json.loads(sync.stdout)["left"] == 0, sync.stdout + sync.stderr
    assert not [p for p in (home / "outbox").iterdir() if p.is_dir()]
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{home / 'mlflow.db'}")
    runs = client.search_runs([found.group(2)], f"tags.`gensim.run_key` = '{key.group(1)}'")
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FINISHED" and run.data.params["n"] == "3"
    assert before * 1000 <= run.info.start_time <= run.info.end_time <= after * 1000
    assert run.data.metrics["episodes"] == 3 and run.inputs.dataset_inputs
    assert [a.path for a in client.list_artifacts(run.info.run_id, "sample")] == ["sample/episode-000000.gif"]
    listed = subprocess.run([sys.executable, "-m", "gensim.cli.main", "demos", "list", "--all", "--json"],
                            env=_env(home), capture_output=True, text=True, timeout=300, check=True)
    rows = {row["episodes"]: row["mlflow_run_id"] for row in json.loads(listed.stdout)}
    assert rows[3] == run.info.run_id and rows[2]  # the --json run's row was named by the writer too


def test_quiet_demos_prints_no_link(home_with_demos: tuple[Path, str, float, float]) -> None:
    home, _, _, _ = home_with_demos
    proc = subprocess.run([sys.executable, "-m", "gensim.cli.main", "demos", "block-insertion", "-n", "1", "-q"],
                          env=_env(home), capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "MLflow run" not in proc.stdout and proc.stderr == ""


def test_ui_links_each_experiment_in_the_runs_view(home_with_demos: tuple[Path, str, float, float]) -> None:
    home, _, _, _ = home_with_demos
    proc = subprocess.Popen([sys.executable, "-m", "gensim.cli.main", "ui", "--port", "0", "--json"],
                            env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        doc = json.loads("".join(iter(proc.stdout.readline, "}\n")) + "}")
        assert doc["home"].endswith("/#/experiments?workflowType=machine_learning")
        link = doc["experiments"]["gensim/demos"]
        assert re.fullmatch(re.escape(doc["url"]) + r"/#/experiments/\d+/runs\?workflowType=machine_learning",
                            link), link
        with urllib.request.urlopen(f"{doc['url']}/api/2.0/mlflow/experiments/search?max_results=10") as reply:
            kinds = {e["name"]: {t["key"]: t["value"] for t in e.get("tags", [])}.get("mlflow.experimentKind")
                     for e in json.load(reply)["experiments"]}
        assert kinds["gensim/demos"] == "custom_model_development"
        urllib.request.urlopen(doc["url"] + "/").close()  # would be an access-log line
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    for noise in ("INFO:", "Warning", "Security middleware", "Registry store URI", '"GET /'):
        assert noise not in err, err
