"""Campaigns end to end with the offline composer: DB records with lineage, MLflow runs, resume."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.generation.conftest import small_config


def _runs(campaign_id: int):
    """The MLflow client and the runs of one campaign (the test session shares one store)."""
    from mlflow.tracking import MlflowClient

    from gensim.config import get_settings

    client = MlflowClient(get_settings().tracking_uri)
    exp = client.get_experiment_by_name("gensim/generate")
    runs = client.search_runs([exp.experiment_id])
    home = str(get_settings().home_dir)
    mine = [r for r in runs if r.data.tags.get("gensim.campaign_id") == str(campaign_id)
            and r.data.tags.get("gensim.home") == home]
    return client, mine


def test_topdown_cot_build_car(gensim_home: Path) -> None:
    from gensim.db import repository as repo
    from gensim.generation.campaign import run_campaign

    result = run_campaign(small_config(mode="topdown-cot", target="build-car", trials=8))
    assert result.provider == "offline"
    assert result.candidates >= 4
    assert len(result.admitted) >= 3, result.rejected
    # The target is the built-in's name: the generated task takes the suffixed name (naming rule).
    assert "build-car-generated" in result.admitted, result.rejected  # its curriculum is not a duplicate
    assert "build-car" not in result.admitted
    assert result.counts["api"] == result.candidates
    # Every admitted task is a version in the DB; the target points at its curriculum.
    for name in result.admitted:
        version = repo.get_task_version(name, status="admitted")
        assert version.campaign_id == result.campaign_id and version.success_rate >= 0.75
    target = repo.get_task_version("build-car-generated", status="admitted")
    relations = {link.relation for link in repo.parents_of(target.id)}
    assert {"curriculum", "target"} <= relations
    # The built-in keeps its one version; every command names the same default versions.
    assert [v.version for v in repo.list_versions("build-car")] == [1]
    _assert_default_versions_agree({"build-car": (1, "builtin"), "build-car-generated": (target.version, "generated")})
    # MLflow: one parent run with a child per candidate, with the same metric keys.
    client, runs = _runs(result.campaign_id)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == result.mlflow_run_id]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    assert len(children) == result.candidates
    assert parents[0].data.metrics["admitted"] == len(result.admitted)
    assert "pass_rate.success" in parents[0].data.metrics
    assert parents[0].data.tags["gensim.provider_kind"].startswith("rule-based")
    artifacts = {a.path for a in client.list_artifacts(result.mlflow_run_id)}
    assert {"summary.json", "pass_rate_by_stage.png"} <= artifacts


def _assert_default_versions_agree(expected: dict[str, tuple[int, str]]) -> None:
    """`tasks list`, `show`, `search` and `check` (through the console script) name one version."""
    import json

    from typer.testing import CliRunner

    from gensim.cli.main import app
    from gensim.data.catalog import pin_task
    from gensim.tasks.registry import get_spec

    runner = CliRunner()
    listed = {t["name"]: t for t in json.loads(runner.invoke(app, ["tasks", "list", "--json"]).stdout)}
    for name, (version, origin) in expected.items():
        assert (listed[name]["version"], listed[name]["origin"]) == (version, origin), listed[name]
        shown = json.loads(runner.invoke(app, ["tasks", "show", name, "--json", "--no-code"]).stdout)
        assert (shown["version"], shown["origin"]) == (version, origin)
        hits = json.loads(runner.invoke(app, ["tasks", "search", name, "--json", "--k", "40"]).stdout)["results"]
        hit = next(h for h in hits if h["name"] == name)
        assert (hit["version"], hit["origin"]) == (version, origin)
        assert get_spec(name).version == version  # what `tasks check NAME` and `eval` run
        assert pin_task(name).version == version  # what `gensim demos NAME` records
    assert listed["build-car-generated"]["label"].startswith("generated (campaign ")
    assert listed["build-car"]["label"] == "built-in"


def test_interrupted_campaign_resumes_without_duplicates(gensim_home: Path) -> None:
    from gensim.db import provenance as prov
    from gensim.db import repository as repo
    from gensim.generation.campaign import run_campaign

    cfg = small_config(mode="bottomup", trials=3, workers=1)
    seen: list[str] = []

    def stop_after_first(kind, payload) -> None:
        if kind == "finished":
            seen.append(payload.name)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_campaign(cfg, on_event=stop_after_first)
    first = prov.list_campaigns()[0]
    assert first.status == "interrupted" and len(first.counts["finished"]) == 1

    cfg.resume = True
    result = run_campaign(cfg)
    assert result.campaign_id == first.id and result.candidates == 3
    assert prov.get_campaign(first.id).status == "finished"
    versions = repo.list_versions(campaign_id=first.id)
    final = [v for v in versions if v.status == "admitted"]
    assert len({(v.task_id, v.version) for v in versions}) == len(versions)
    assert len(final) == len(result.admitted)
    assert seen[0] in {c["name"] for c in result.details}
    _, runs = _runs(first.id)
    assert {r.info.status for r in runs} <= {"FINISHED", "KILLED"}


def test_token_budget_stops_the_campaign_cleanly(gensim_home: Path) -> None:
    from gensim.db import provenance as prov
    from gensim.generation.campaign import run_campaign

    result = run_campaign(small_config(mode="topdown-cot", target="build-car", trials=4, max_tokens=1))
    assert result.stopped and "token" in result.stopped
    assert result.admitted == []
    assert all(r["stage"] == "api" for r in result.rejected)
    assert prov.get_campaign(result.campaign_id).status == "finished"
