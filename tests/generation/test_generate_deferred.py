"""`gensim generate` logs its campaign through the outbox: in a home whose MLflow store it knows,
the console script imports no mlflow, and once the detached writer (or `gensim runs sync`) has
logged the record, MLflow holds what the live campaign would have logged: the parent run and one
child per candidate, with the same params, metric histories, tags and artifacts; the campaign
row and the task versions name their runs, which `tasks show` links; the command leaves the
library indexed for search."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_fail_fast import _WRAP

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["generate", "--mode", "bottomup", "--trials", "2", "--seeds", "2", "--workers", "1", "--llm", "offline"]
TIMED = ("seconds", "reply_to_verdict_s.median")  # wall clock: differs between any two campaigns
# Differ between two runs by nature: ids, homes, the process that logged live.
RUN_SPECIFIC_TAGS = ("gensim.run_key", "gensim.home", "gensim.host", "gensim.pid", "gensim.pid_start",
                     "mlflow.parentRunId")


def _state(client: Any, run: Any) -> dict[str, Any]:
    """What a run holds, less what differs between two runs by nature."""
    run_id = run.info.run_id
    metrics = {key: sorted((m.step, None if key in TIMED else round(m.value, 6))
                           for m in client.get_metric_history(run_id, key))
               for key in run.data.metrics if not key.startswith("system/")}
    artifacts: list[str] = []
    todo = [None]
    while todo:
        for item in client.list_artifacts(run_id, todo.pop()):
            (todo.append(item.path) if item.is_dir else artifacts.append(item.path))
    return {
        "name": run.info.run_name, "status": run.info.status, "params": run.data.params, "metrics": metrics,
        "tags": {k: v for k, v in run.data.tags.items()
                 if k not in RUN_SPECIFIC_TAGS and (not k.startswith("mlflow.") or k in ("mlflow.user", "mlflow.runName"))},
        "artifacts": sorted(artifacts),
    }


def _campaign(client: Any, experiment_id: str, home: Path) -> tuple[Any, list[Any]]:
    """The parent run and the children (by name) of the campaign run from `home`."""
    runs = [r for r in client.search_runs([experiment_id], max_results=1000)
            if r.data.tags.get("gensim.home") == str(home)]
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1, [r.info.run_name for r in runs]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id]
    assert len(children) == len(runs) - 1
    return parents[0], sorted(children, key=lambda r: r.info.run_name)


@pytest.mark.slow  # two two-trial campaigns with media, and the writer (2-3 min here)
def test_deferred_generate_ends_in_mlflow_as_the_live_campaign(gensim_home: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from gensim.checking.conventions import train_seeds
    from gensim.config import get_settings
    from gensim.generation.campaign import CampaignConfig, run_campaign
    from gensim.tracking import GENERATE, get_tracker
    from gensim.tracking.outbox import remember_experiment_id

    # What the command line below runs, logged live (the library's default) from this home.
    live = run_campaign(CampaignConfig(mode="bottomup", trials=2, workers=1, seeds=tuple(train_seeds(2)),
                                       llm="offline"))
    assert live.mlflow_run_id and len(live.admitted) >= 1
    tracker = get_tracker()
    experiment_id = tracker.experiment_id(GENERATE)
    assert experiment_id is not None

    # The same campaign from a new home that knows the store (as a home does after its first
    # command): deferred, no mlflow imported, the run logged by a detached writer.
    home = tmp_path / "cli-home"
    remember_experiment_id(tracker.uri, GENERATE, experiment_id, home=home)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(GENSIM_HOME=str(home), GENSIM_MLFLOW_TRACKING_URI=tracker.uri,
               GENSIM_MLFLOW_ARTIFACT_ROOT=tracker.artifact_root, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", _WRAP.format(heavy=("mlflow",)), *ARGS, "--json"], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "HEAVY=\n" in proc.stderr + "\n", proc.stderr[-2000:]  # no mlflow in the command
    result = json.loads(proc.stdout)
    assert result["mlflow_run_id"] is None and "searchFilter=" in result["mlflow_url"]
    assert result["admitted"] == live.admitted
    sync = subprocess.run([sys.executable, "-m", "gensim.cli.main", "runs", "sync", "--json"], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert sync.returncode == 0 and json.loads(sync.stdout)["left"] == 0, sync.stdout + sync.stderr

    client = tracker.client
    mine, mine_children = _campaign(client, experiment_id, home)
    theirs, their_children = _campaign(client, experiment_id, gensim_home)
    assert len(mine_children) == len(their_children) == 2
    assert _state(client, mine) == _state(client, theirs)
    assert any(len(h) > 1 for h in _state(client, mine)["metrics"].values())  # step histories too
    for child, other in zip(mine_children, their_children, strict=True):
        assert _state(client, child) == _state(client, other)
    assert any(a.startswith("media/") for c in mine_children for a in _state(client, c)["artifacts"])

    # The library was indexed for search by the command (the first search embeds nothing), and
    # `tasks show` links a candidate's run and times the gate's stages as the one check they are.
    assert list((home / "index").glob("*.faiss")), list(home.iterdir())
    admitted = result["admitted"][0]
    shown = subprocess.run([sys.executable, "-m", "gensim.cli.main", "tasks", "show", admitted, "--no-code"],
                           env=env, capture_output=True, text=True, timeout=300, check=False)
    assert shown.returncode == 0, shown.stderr
    run_id = next(c.info.run_id for c in mine_children if c.data.tags.get("gensim.task") == admitted)
    assert f"/#/experiments/{experiment_id}/runs/{run_id}?workflowType=machine_learning" in shown.stdout
    assert "(the gate's 10 stages: one check of " in shown.stdout and "  budget      ok\n" in shown.stdout

    # The campaign row and its task versions name the runs the writer made.
    monkeypatch.setenv("GENSIM_HOME", str(home))
    get_settings.cache_clear()
    from gensim.db import provenance as prov
    from gensim.db import repository as repo
    from gensim.db.session import dispose_engines

    dispose_engines()
    try:
        assert prov.get_campaign(result["campaign_id"]).mlflow_run_id == mine.info.run_id
        named = {v.mlflow_run_id for v in repo.list_versions(campaign_id=result["campaign_id"])}
        assert named == {c.info.run_id for c in mine_children}
    finally:
        get_settings.cache_clear()
        dispose_engines()
