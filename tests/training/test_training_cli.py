"""`gensim train` and `gensim eval` through the real CLI: bad input, and (slow) a toy run end
to end with its JSON contract, MLflow runs, registered model and DB lineage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gensim.cli.main import app

runner = CliRunner()
TOY = ["--demos", "2", "--max-steps", "3", "--val-episodes", "1", "--val-interval", "0",
       "--no-language", "--batch-size", "1"]


def _toy_recipe(tmp_path: Path) -> Path:
    recipe = tmp_path / "toy.yaml"
    recipe.write_text("log_every: 1\npolicy: {width: 4, levels: 2, stride: 4, feature_dim: 4, crop_size: 32}\n")
    return recipe


@pytest.mark.parametrize("args, message", [
    (["train"], "no tasks"),
    (["train", "--tasks", "block-insertion", "--tasks-from-db", "all"], "not both"),
    (["train", "--tasks", "block-insertoin", "--demos", "1"], "block-insertion"),
    (["train", "--tasks", "block-insertion", "--max-steps", "0"], "max-steps"),
    (["train", "--config", "missing.yaml"], "no recipe file"),
    (["train", "--tasks", "block-insertion", "--resume"], "nothing to resume"),
    (["eval", "--model", "nothing/here.ckpt", "--tasks", "block-insertion"], "no checkpoint file"),
    (["eval", "--model", "m:x", "--tasks", "block-insertion"], "bad model reference"),
    (["eval", "--model", "m.ckpt", "--tasks", "block-insertion", "--episodes", "0"], "episodes"),
])
def test_bad_input_is_one_line_and_exit_2(gensim_home: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_toy_train_then_eval_json_contract_and_lineage(gensim_home: Path, tmp_path: Path) -> None:
    from gensim.db import provenance
    from gensim.tracking import get_tracker

    result = runner.invoke(app, ["train", "--tasks", "block-insertion", *TOY,
                                 "--config", str(_toy_recipe(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"run_id", "model", "checkpoint", "steps", "seconds"} <= set(doc)
    assert doc["steps"] == 3 and doc["model"].startswith("gensim-policy:")
    assert Path(doc["checkpoint"]).is_file()

    client: Any = get_tracker().client
    run = client.get_run(doc["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["demos"] == "2" and run.data.params["policy.width"] == "4"
    assert "val/success/block-insertion" in run.data.metrics
    assert any(k.startswith("train/loss") for k in run.data.metrics)
    assert [a.path for a in client.list_artifacts(doc["run_id"], "checkpoint")] == ["checkpoint/best.ckpt"]
    assert "config.json" in {a.path for a in client.list_artifacts(doc["run_id"])}
    assert not any(k.startswith("config.") for k in run.data.params)  # each policy.* once
    assert run.info.run_name == f"train block-insertion nolang 2 demos 3 steps -> {doc['model']}"
    name, version = doc["model"].split(":")
    registered = client.get_model_version(name, version)
    assert registered.run_id == doc["run_id"]
    assert registered.tags["task.block-insertion"].startswith("v1")
    assert len(registered.tags["dataset.block-insertion"].split()[0]) == 64  # sha256 digest

    row = provenance.get_checkpoint(doc["checkpoint_id"])
    assert row.registered_model_version == version and row.mlflow_run_id == doc["run_id"]
    versions = provenance.versions_of_checkpoint(row.id or 0)
    datasets = provenance.datasets_of_checkpoint(row.id or 0)
    assert [v.id for v in versions] and datasets[0].n_episodes >= 2

    result = runner.invoke(app, ["eval", "--model", doc["model"], "--tasks", "block-insertion",
                                 "--episodes", "2", "--gif-episodes", "2", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["model"] == doc["model"]
    stats = report["results"]["block-insertion"]
    assert stats["episodes"] == 2 and 0.0 <= stats["success_rate"] <= 1.0
    assert {"success_rate", "mean_reward", "episodes"} <= set(stats)
    eval_run = client.get_run(report["mlflow_run_id"])
    assert eval_run.data.metrics["success_rate/block-insertion"] == stats["success_rate"]
    artifacts = {a.path for a in client.list_artifacts(report["mlflow_run_id"])}
    assert {"success_per_task.png", "eval.json", "rollouts"} <= artifacts
    assert eval_run.info.run_name == f"eval {doc['model']} on block-insertion x2"
    assert (eval_run.info.end_time - eval_run.info.start_time) / 1000 >= report["seconds"]
    gifs = client.list_artifacts(report["mlflow_run_id"], "rollouts/block-insertion")
    assert gifs and all(a.path.endswith(".gif") for a in gifs)
    from PIL import Image

    from gensim.training.evaluate import GIF_FRAME_MS, GIF_HOLD_MS

    played = {e["seed"]: e for e in json.loads(Path(client.download_artifacts(
        report["mlflow_run_id"], "eval.json", str(tmp_path))).read_text())["episodes"]["block-insertion"]}
    for gif in gifs:
        with Image.open(client.download_artifacts(report["mlflow_run_id"], gif.path, str(tmp_path))) as image:
            durations = []
            for index in range(image.n_frames):
                image.seek(index)
                durations.append(int(image.info["duration"]))
            height = image.size[1]
        steps = played[int(gif.path.split("-")[-2])]["steps"]
        # The motion between actions is filmed: more than two frames per action. The GIF writer
        # merges identical consecutive frames into one of their summed duration (a toy policy
        # that moves nothing films the same picture: the floating tool is not drawn from above),
        # so the frames are counted by the time they play.
        filmed = (sum(durations) - GIF_HOLD_MS) / GIF_FRAME_MS + 1
        assert filmed > 2 * steps + 1 or steps == 0, (durations, steps)
        assert height == 320 + 36  # the instruction's caption band under the frame
    assert "eval/block-insertion/success_rate" in provenance.get_checkpoint(row.id or 0).metrics

    # The same dataset is reused (no new demos) and the checkpoint path is a valid --model.
    result = runner.invoke(app, ["eval", "--model", doc["checkpoint"], "--tasks", "block-insertion",
                                 "--episodes", "1", "--gif-episodes", "0", "--json"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_experiment_stages_pretrain_eval_finetune(gensim_home: Path, tmp_path: Path) -> None:
    """A toy experiment: train, evaluate it, fine-tune it (`init_from: "@stage"`), evaluate."""
    recipe = tmp_path / "experiment.yaml"
    recipe.write_text(
        "name: toy-experiment\n"
        "defaults:\n"
        "  demos: 2\n  max_steps: 2\n  val_episodes: 0\n  cpu_threads: 1\n"
        "  policy: {language: false, width: 4, levels: 2, stride: 4, feature_dim: 4, crop_size: 32}\n"
        "stages:\n"
        "  - {name: pretrain, kind: train, tasks: [block-insertion]}\n"
        "  - {name: zero-shot, kind: eval, model: '@pretrain', tasks: [block-insertion], episodes: 1}\n"
        "  - name: finetune\n    kind: train\n    init_from: '@pretrain'\n"
        "    tasks: [block-insertion]\n    policy: {lr: 0.0001}\n"
        "  - {name: finetuned, kind: eval, model: '@finetune', tasks: [block-insertion], episodes: 1}\n")
    result = runner.invoke(app, ["train", "--config", str(recipe), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [s["name"] for s in doc["stages"]] == ["pretrain", "zero-shot", "finetune", "finetuned"]
    pretrain, zero_shot, finetune, finetuned = doc["stages"]
    assert zero_shot["model"] == pretrain["model"] and finetuned["model"] == finetune["model"]
    assert pretrain["model"] != finetune["model"] and doc["model"] == finetune["model"]
    assert finetuned["results"]["block-insertion"]["episodes"] == 1
    from gensim.tracking import get_tracker

    client: Any = get_tracker().client
    params = client.get_run(finetune["run_id"]).data.params
    assert params["init_from"] == pretrain["model"] and params["policy.lr"] == "0.0001"
