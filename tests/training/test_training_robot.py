"""`--robot` through training and evaluation: a checkpoint records the embodiment of its demos,
`gensim eval` with another one is a one-line error, recipes carry `robot`, and (slow) a toy
training on Panda demos evaluated with the Panda."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gensim.cli.main import app

runner = CliRunner()
TINY = {"language": False, "width": 4, "levels": 2, "stride": 4, "feature_dim": 4, "crop_size": 32}


def _checkpoint(tmp_path: Path, robot: str) -> Path:
    """A untrained tiny policy saved the way `gensim train` saves it (with its robot entry)."""
    import lightning.pytorch as pl
    import torch

    from gensim.policies.transporter import TransporterPolicy
    from gensim.training.callbacks import ValidationRollouts

    torch.manual_seed(0)
    validation = ValidationRollouts([], tmp_path, 0, 0, robot=robot)
    trainer = pl.Trainer(max_steps=0, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, callbacks=[validation])
    trainer.strategy.connect(TransporterPolicy(TINY))
    path = tmp_path / f"{robot}.ckpt"
    trainer.save_checkpoint(path)
    return path


def test_checkpoints_record_their_robot_and_eval_refuses_another(gensim_home: Path, tmp_path: Path) -> None:
    from gensim.errors import UsageError
    from gensim.training.models import checkpoint_robot, require_same_robot

    path = _checkpoint(tmp_path, "panda")
    assert checkpoint_robot(path) == "panda"
    assert require_same_robot("m", "panda", None) == "panda"
    with pytest.raises(UsageError, match="trained on demos made with --robot panda"):
        require_same_robot("m", "panda", "none")
    assert checkpoint_robot(_checkpoint(tmp_path, "none")) == "none"
    result = runner.invoke(app, ["eval", "--model", str(path), "--tasks", "block-insertion", "--robot", "ur5"])
    assert result.exit_code == 2 and "unknown robot 'ur5'" in result.output


@pytest.mark.slow
def test_eval_of_a_panda_model_without_the_panda_is_one_line(gensim_home: Path, tmp_path: Path) -> None:
    path = _checkpoint(tmp_path, "panda")
    result = runner.invoke(app, ["eval", "--model", str(path), "--tasks", "block-insertion", "--robot", "none"])
    assert result.exit_code == 2, result.output
    assert "--robot panda" in result.output and "Traceback" not in result.output
    assert result.output.strip().startswith("error:")


def test_a_dataset_of_another_robot_is_refused_for_training(tmp_path: Path) -> None:
    from gensim.data.writer import DatasetWriter
    from gensim.errors import UsageError
    from gensim.training.selection import require_robot

    DatasetWriter(tmp_path / "old", {"task": "t", "version": 1, "split": "train"}).close()  # no robot key
    require_robot(tmp_path / "old", "none")
    with pytest.raises(UsageError, match="made with --robot none, this run uses --robot panda"):
        require_robot(tmp_path / "old", "panda")


def test_recipes_take_a_robot(tmp_path: Path) -> None:
    from gensim.errors import UsageError
    from gensim.training.config import TrainConfig
    from gensim.training.experiment import run_experiment

    assert TrainConfig.from_mapping({"tasks": ["block-insertion"], "robot": "panda"}).resolved()["robot"] == "panda"
    with pytest.raises(UsageError, match="unknown robot"):
        TrainConfig(tasks=["block-insertion"], robot="ur5")
    seen: list[Any] = []

    def train_fn(config: TrainConfig) -> dict[str, Any]:
        seen.append(("train", config.robot))
        return {"model": "m:1"}

    def eval_fn(model: str, tasks: list[str], episodes: int, cpu_threads: int = 0,
                robot: str | None = None) -> dict[str, Any]:
        seen.append(("eval", robot))
        return {"results": {}}

    doc = {"defaults": {"robot": "panda"}, "stages": [
        {"name": "t", "kind": "train", "tasks": ["block-insertion"]},
        {"name": "e", "kind": "eval", "model": "@t", "tasks": ["block-insertion"]},
        {"name": "f", "kind": "eval", "model": "@t", "tasks": ["block-insertion"], "robot": "none"}]}
    run_experiment(doc, {}, train_fn=train_fn, eval_fn=eval_fn, track=False)
    assert seen == [("train", "panda"), ("eval", "panda"), ("eval", "none")]


@pytest.mark.slow
def test_toy_training_on_panda_demos_then_eval_with_the_panda(gensim_home: Path, tmp_path: Path) -> None:
    from gensim.tracking import get_tracker

    recipe = tmp_path / "toy.yaml"
    recipe.write_text("log_every: 1\nrobot: panda\npolicy: {width: 4, levels: 2, stride: 4, feature_dim: 4, "
                      "crop_size: 32}\n")
    result = runner.invoke(app, ["train", "--tasks", "block-insertion", "--demos", "1", "--max-steps", "2",
                                 "--val-episodes", "1", "--val-interval", "0", "--no-language",
                                 "--config", str(recipe), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    client: Any = get_tracker().client
    run = client.get_run(doc["run_id"])
    assert run.data.params["robot"] == "panda" and run.data.tags["gensim.robot"] == "panda"
    name, version = doc["model"].split(":")
    assert client.get_model_version(name, version).tags["gensim.robot"] == "panda"
    from gensim.training.models import checkpoint_robot

    assert checkpoint_robot(Path(doc["checkpoint"])) == "panda"
    datasets = list((gensim_home / "datasets" / "block-insertion" / "v1").iterdir())
    assert [d.name for d in datasets] == ["train-panda"]
    result = runner.invoke(app, ["eval", "--model", doc["model"], "--tasks", "block-insertion", "--episodes", "1",
                                 "--gif-episodes", "0", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["robot"] == "panda"
    assert client.get_run(report["mlflow_run_id"]).data.params["robot"] == "panda"
    result = runner.invoke(app, ["eval", "--model", doc["model"], "--tasks", "block-insertion", "--robot", "none"])
    assert result.exit_code == 2 and "--robot panda" in result.output
