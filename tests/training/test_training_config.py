"""Training settings, recipes, experiment stages and model references (no training here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gensim.errors import UsageError
from gensim.training.config import TrainConfig, merge, read_recipe
from gensim.training.experiment import check_stages
from gensim.training.models import parse_ref, resolve_model

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


@pytest.mark.parametrize("recipe", sorted(EXPERIMENTS.glob("train-*.yaml")), ids=lambda p: p.stem)
def test_every_recipe_parses(recipe: Path) -> None:
    doc = read_recipe(recipe)
    if "stages" in doc:
        stages = check_stages(doc)
        kinds = [s["kind"] for s in stages]
        assert "train" in kinds and "eval" in kinds
        for stage in stages:
            if stage["kind"] == "train":
                values = merge(doc.get("defaults", {}), {k: v for k, v in stage.items()
                                                         if k not in ("name", "kind")})
                TrainConfig.from_mapping({**values, "init_from": None})
    else:
        config = TrainConfig.from_mapping(doc)
        assert config.tasks and config.max_steps >= 1
        assert config.resolved()["policy"]["theta_bins"] == 36


def test_the_three_recipes_of_the_issue_exist() -> None:
    names = {p.name for p in EXPERIMENTS.glob("*.yaml")}
    assert {"train-transporter-block-insertion.yaml", "train-multitask-builtin.yaml",
            "train-pretrain-generated-then-finetune.yaml"} <= names


def test_bad_settings_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown training setting"):
        TrainConfig.from_mapping({"taks": ["a"]})
    with pytest.raises(UsageError, match="unknown policy setting"):
        TrainConfig(tasks=["a"], policy={"depth": 3})
    with pytest.raises(UsageError, match="max-steps"):
        TrainConfig(tasks=["a"], max_steps=0)
    with pytest.raises(UsageError, match="no recipe file"):
        read_recipe(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks: [a\n")
    with pytest.raises(UsageError, match="not valid YAML"):
        read_recipe(bad)
    bad.write_text("- a\n- b\n")
    with pytest.raises(UsageError, match="mapping"):
        read_recipe(bad)


def test_flags_override_the_recipe_and_policy_merges() -> None:
    recipe = {"tasks": ["a"], "demos": 10, "policy": {"width": 8, "language": True}}
    merged = merge(recipe, {"demos": 3, "max_steps": None, "policy": {"language": False}})
    config = TrainConfig.from_mapping(merged)
    assert config.demos == 3 and config.max_steps == 1000
    assert config.policy_config().width == 8 and config.policy_config().language is False
    assert TrainConfig(tasks="a, b").tasks == ["a", "b"]  # type: ignore[arg-type]


def test_experiment_stages_are_checked() -> None:
    with pytest.raises(UsageError, match="non-empty list"):
        check_stages({"stages": []})
    with pytest.raises(UsageError, match="kind"):
        check_stages({"stages": [{"name": "a", "kind": "fit"}]})
    with pytest.raises(UsageError, match="earlier stage"):
        check_stages({"stages": [{"name": "e", "kind": "eval", "model": "@t", "tasks": ["x"]},
                                 {"name": "t", "kind": "train", "tasks": ["x"]}]})
    with pytest.raises(UsageError, match="named 'a'"):
        check_stages({"stages": [{"name": "a", "kind": "train"}, {"name": "a", "kind": "train"}]})
    with pytest.raises(UsageError, match="needs model and tasks"):
        check_stages({"stages": [{"name": "e", "kind": "eval", "model": "m"}]})


def test_model_references() -> None:
    assert parse_ref("gensim-policy:3") == ("gensim-policy", "3", None)
    assert parse_ref("gensim-policy@champion") == ("gensim-policy", None, "champion")
    assert parse_ref("gensim-policy") == ("gensim-policy", None, None)
    with pytest.raises(UsageError, match="bad model reference"):
        parse_ref("gensim-policy:three")
    with pytest.raises(UsageError, match="no checkpoint file"):
        resolve_model("/nonexistent/best.ckpt")


def test_torch_threads_leave_busy_cores_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from gensim.training.config import torch_threads

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert torch_threads(3) == 3  # asked for: taken as given
    monkeypatch.setattr(os, "getloadavg", lambda: (0.1, 0.0, 0.0))
    assert torch_threads(0) == 4  # idle: every core
    monkeypatch.setattr(os, "getloadavg", lambda: (2.4, 0.0, 0.0))
    assert torch_threads(0) == 2  # two cores busy with other work
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 0.0, 0.0))
    assert torch_threads(0) == 1  # overloaded: one thread, never zero
