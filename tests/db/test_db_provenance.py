"""Validation results, campaigns, datasets and checkpoints, with lineage queried both ways."""

from __future__ import annotations

import pytest

from gensim.db import provenance as prov
from gensim.db import repository as repo
from gensim.errors import UsageError


def test_validation_results_in_order(db_url: str) -> None:
    version = repo.add_task_version("build-bridge", "pass\n")
    prov.add_validation_result(version.id, "static", True, seconds=0.01)
    prov.add_validation_result(
        version.id, "sandbox", False, seconds=2.5, error="Timeout", details={"seeds": [1, 3]}
    )
    results = prov.validation_results(version.id)
    assert [(r.stage, r.passed) for r in results] == [("static", True), ("sandbox", False)]
    assert results[1].details == {"seeds": [1, 3]} and results[1].error == "Timeout"
    with pytest.raises(UsageError):
        prov.add_validation_result(12345, "static", True)


def test_campaign_lifecycle(db_url: str) -> None:
    campaign = prov.create_campaign(
        "topdown-cot", target="build-bridge", provider="offline", model="composer", settings={"n": 4}
    )
    assert campaign.status == "running" and campaign.finished_at is None
    version = repo.add_task_version("build-bridge", "pass\n", campaign_id=campaign.id)
    done = prov.update_campaign(campaign.id, status="finished", counts={"admitted": 1})
    assert done.finished_at is not None and done.counts == {"admitted": 1}
    assert prov.get_campaign(campaign.id).settings == {"n": 4}
    assert [c.id for c in prov.list_campaigns(status="finished")] == [campaign.id]
    assert [v.id for v in repo.list_versions(campaign_id=campaign.id)] == [version.id]
    with pytest.raises(UsageError, match="campaign status"):
        prov.update_campaign(campaign.id, status="paused")
    with pytest.raises(UsageError, match="unknown generation campaign"):
        repo.add_task_version("build-bridge", "pass\n", campaign_id=999)


def test_dataset_and_checkpoint_lineage_both_ways(db_url: str) -> None:
    car = repo.add_task_version("build-bridge", "car\n")
    tower = repo.add_task_version("build-tower", "tower\n")
    data = prov.add_dataset(
        "car-tower-train", "datasets/car-tower", [car.id, tower.id], n_episodes=20,
        seeds=list(range(0, 40, 2)), digest="d1", size_bytes=5 * 2**30,
    )  # fmt: skip
    only_car = prov.add_dataset("car-val", "datasets/car-val", [car.id], split="val")
    ckpt = prov.add_checkpoint(
        "checkpoints/a.ckpt",
        version_ids=[car.id, tower.id],
        dataset_ids=[data.id],
        metrics={"loss": 0.5},
        mlflow_run_id="run-1",
    )

    assert prov.get_dataset(data.id).size_bytes == 5 * 2**30  # needs a 64-bit column
    assert [d.id for d in prov.datasets_for_version(car.id)] == [data.id, only_car.id]
    assert [d.id for d in prov.datasets_for_version(tower.id)] == [data.id]
    assert [v.id for v in prov.versions_of_dataset(data.id)] == [car.id, tower.id]
    assert [c.id for c in prov.checkpoints_for_version(tower.id)] == [ckpt.id]
    assert [c.id for c in prov.checkpoints_for_dataset(data.id)] == [ckpt.id]
    assert prov.checkpoints_for_dataset(only_car.id) == []
    assert [v.id for v in prov.versions_of_checkpoint(ckpt.id)] == [car.id, tower.id]
    assert [d.id for d in prov.datasets_of_checkpoint(ckpt.id)] == [data.id]
    assert [d.id for d in prov.find_datasets("car-val")] == [only_car.id]

    reg = prov.update_checkpoint(
        ckpt.id,
        metrics={"success": 0.8},
        registered_model_name="cliport",
        registered_model_version="3",
    )
    assert reg.metrics == {"loss": 0.5, "success": 0.8}
    assert (reg.registered_model_name, reg.registered_model_version) == ("cliport", "3")
    with pytest.raises(UsageError, match="unknown dataset"):
        prov.add_checkpoint("x.ckpt", dataset_ids=[999])
    with pytest.raises(UsageError, match="unknown task version"):
        prov.add_dataset("bad", "p", [999])
