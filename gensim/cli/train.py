"""`gensim train`: train the language-conditioned pick-and-place policy on tasks' demos."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import typer

from gensim.cli.common import (
    ProgressBar,
    console,
    fail_from,
    native_stderr_filtered,
    out,
    print_json,
    print_table,
)
from gensim.errors import GensimError, UsageError
from gensim.tracking import run_link
from gensim.training.config import TrainConfig

app = typer.Typer()
_DEFAULTS = TrainConfig()


def _default(field: str) -> str:
    """The help suffix that says a flag's default (flags default to None so a recipe can set them)."""
    return f" (default {getattr(_DEFAULTS, field)})"


@app.callback(invoke_without_command=True)
def main(
    tasks: str = typer.Option(None, "--tasks", help="comma-separated task names"),
    tasks_from_db: str = typer.Option(
        None, "--tasks-from-db",
        help="admitted DB tasks: filters like 'origin=generated,tag=blocks,campaign=3,name~pile,limit=10'"),
    demos: int = typer.Option(None, "--demos", help="training episodes per task (made when missing)" + _default("demos")),
    max_steps: int = typer.Option(None, "--max-steps", help="optimiser steps" + _default("max_steps")),
    config: Path = typer.Option(None, "--config", help="YAML recipe (flags override it)"),
    devices: str = typer.Option(None, "--devices", help="Lightning devices: 1, 2, auto, 0,1" + _default("devices")),
    strategy: str = typer.Option(None, "--strategy", help="Lightning strategy: auto, ddp, ..." + _default("strategy")),
    accelerator: str = typer.Option(None, "--accelerator", help="auto (CUDA when present), cpu, gpu" + _default("accelerator")),
    batch_size: int = typer.Option(None, "--batch-size", help="samples per step" + _default("batch_size")),
    val_interval: int = typer.Option(None, "--val-interval", help="steps between validations" + _default("val_interval")),
    val_episodes: int = typer.Option(None, "--val-episodes", help="validation episodes per task" + _default("val_episodes")),
    no_language: bool = typer.Option(False, "--no-language", help="the Transporter baseline (no instruction)"),
    init_from: str = typer.Option(None, "--init-from", help="model to fine-tune (NAME:VERSION, path)"),
    resume: bool = typer.Option(False, "--resume",
                                help="continue the stopped training of these settings from its last checkpoint"),
    seed: int = typer.Option(None, "--seed", help="torch and augmentation seed" + _default("seed")),
    cpu_threads: int = typer.Option(None, "--cpu-threads", help="torch CPU threads (default 0: the cores the load average leaves free)"),
    robot: str = typer.Option(None, "--robot", help="embodiment of the demos and validation: none | panda" + _default("robot")),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="nothing on stderr but errors"),
) -> None:
    """Train the language-conditioned Transporter policy on tasks' demos (MLflow gensim/train).

    Flags override a --config recipe, which overrides the defaults shown. Missing training
    datasets are made first. Validation rollouts on the val seeds pick the best
    checkpoint, which is registered as a model. A progress bar (steps, rate, ETA, recent loss,
    last validation success) and a final table go to stderr with --json, else the table goes to
    stdout; the training curve (loss, validation success per task) is a PNG next to the
    checkpoint and the run's artifact plots/training_curve.png.

    Examples:
      gensim train --tasks block-insertion --demos 10 --max-steps 1500
      gensim train --config experiments/train-transporter-block-insertion.yaml --json
      gensim train --tasks-from-db "origin=generated,limit=10" --demos 20 --max-steps 5000
      gensim train --tasks place-red-in-green --robot panda --demos 10 --max-steps 1000
    """
    from gensim.training.config import TrainConfig, merge, read_recipe
    from gensim.training.train import is_rank_zero

    overrides = {
        "tasks": tasks.split(",") if tasks else None, "tasks_from_db": tasks_from_db,
        "demos": demos, "max_steps": max_steps, "devices": devices, "strategy": strategy,
        "accelerator": accelerator, "batch_size": batch_size, "val_interval": val_interval,
        "val_episodes": val_episodes, "init_from": init_from, "seed": seed, "cpu_threads": cpu_threads,
        "robot": robot,
        "policy": {"language": False} if no_language else None,
    }
    show = not quiet and is_rank_zero()  # under DDP the other ranks rerun this command: silent
    try:
        with native_stderr_filtered() if quiet else nullcontext():
            recipe = read_recipe(config) if config is not None else {}
            if "stages" in recipe:
                if resume:
                    raise UsageError("--resume continues one training, not an experiment's stages")
                from gensim.training.experiment import run_experiment

                report = (lambda line: console.print(line, highlight=False, markup=False)) if show else None
                from gensim.cli.eval_cmd import evaluate_with_bar

                def run_eval(model: str, names: list[str], episodes: int, cpu_threads: int = 0,
                             robot: str | None = None) -> dict[str, Any]:
                    return evaluate_with_bar(model, names, episodes, show=show,  # type: ignore[no-any-return]
                                             cpu_threads=cpu_threads, robot=robot).to_json()

                doc = run_experiment(recipe, overrides, report=report,
                                     train_fn=lambda cfg: _train(cfg, show), eval_fn=run_eval)
            else:
                if tasks or tasks_from_db:  # the flags' selection replaces the recipe's
                    recipe = {k: v for k, v in recipe.items() if k not in ("tasks", "tasks_from_db")}
                doc = _train(TrainConfig.from_mapping(merge(recipe, overrides)), show, resume)
    except GensimError as err:
        fail_from(err)
    if not is_rank_zero():  # a DDP worker process: rank zero reports
        return
    if json_out:
        print_json(doc)
        if show:
            _summary(doc, stderr=True)
        return
    if quiet:
        out.print(f"model {doc['model']}  checkpoint {doc['checkpoint']}  {doc['steps']} steps in "
                  f"{doc['seconds']:.0f} s  run {doc['run_id']}", highlight=False)
        return
    _summary(doc, stderr=False)


def _train(config: Any, show: bool, resume: bool = False) -> dict[str, Any]:
    """One training under a progress bar over its steps (lines above it: datasets, validations)."""
    from gensim.training.train import train

    # An error leaves the `with` (closing the bar) before the caller prints its one line.
    with ProgressBar("train", config.max_steps, enabled=show, unit="steps", started=False) as bar:

        def on_step(event: dict[str, Any]) -> None:
            note = "" if event["loss"] is None else f"loss {event['loss']:.3f}"
            if event["val_success"] is not None:
                note += f", val {event['val_success']:.0%}"
            bar.update(event["step"], note, total=event["max_steps"])

        result = train(config, report=bar.lines if show else None, progress=on_step if show else None,
                       defer_tracking=True, resume=resume)
    return result.to_json()


def _percent(value: Any) -> str:
    return "-" if value is None else f"{float(value):.0%}"


def _summary(doc: dict[str, Any], *, stderr: bool) -> None:
    """The final table: validation success per task (train) or the stages (experiment)."""
    if "stages" in doc:
        rows: list[tuple[Any, ...]] = []
        for stage in doc["stages"]:
            if stage["kind"] == "train":
                result = f"{stage['steps']} steps, best val {_percent(stage['best_val_success'])}"
            else:
                result = ", ".join(f"{task} {_percent(s['success_rate'])}"
                                   for task, s in stage["results"].items())
            rows.append((stage["name"], stage["kind"], stage["model"], result))
        print_table(f"experiment {doc['experiment']}", ("stage", "kind", "model", "result"), rows,
                    stderr=stderr, notes=[f"last model {doc['model']}  checkpoint {doc['checkpoint']}"])
        return
    history = doc.get("val_history") or []
    best = next((h for h in history if h["step"] == doc["best_step"]), None)
    last = history[-1] if history else None
    rows = [(task, _percent((best or {}).get("success", {}).get(task)),
             _percent((last or {}).get("success", {}).get(task))) for task in doc["tasks"]]
    notes = [f"model {doc['model']}  checkpoint {doc['checkpoint']}",
             f"{doc['steps']} steps in {doc['seconds']:.0f} s ({doc['samples_per_second']:.1f} samples/s, "
             f"{doc['samples']} training samples)"]
    if doc.get("training_curve"):
        notes.append(f"training curve {doc['training_curve']}")
    notes.append(f"MLflow run {run_link(doc.get('mlflow_url'))}")
    best_step = doc["best_step"] if doc["best_step"] >= 0 else "-"
    print_table(f"trained {doc['model'].split('/')[-1]}",
                ("task", f"val success, best (step {best_step})", "val success, last"), rows,
                stderr=stderr, notes=notes)
