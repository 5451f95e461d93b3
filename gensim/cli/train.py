"""`gensim train`: train the language-conditioned pick-and-place policy on tasks' demos."""

from __future__ import annotations

from pathlib import Path

import typer

from gensim.cli.common import console, fail_from, out, print_json
from gensim.errors import GensimError

app = typer.Typer(help="Train the Transporter policy: `gensim train --tasks a,b --demos 10 --max-steps 1000`.")


@app.callback(invoke_without_command=True)
def main(
    tasks: str = typer.Option(None, "--tasks", help="comma-separated task names"),
    tasks_from_db: str = typer.Option(
        None, "--tasks-from-db",
        help="admitted DB tasks: filters like 'origin=generated,tag=blocks,campaign=3,name~pile,limit=10'"),
    demos: int = typer.Option(None, "--demos", help="training episodes per task (made when missing)"),
    max_steps: int = typer.Option(None, "--max-steps", help="optimiser steps"),
    config: Path = typer.Option(None, "--config", help="YAML recipe (flags override it)"),
    devices: str = typer.Option(None, "--devices", help="Lightning devices: 1, 2, auto, 0,1"),
    strategy: str = typer.Option(None, "--strategy", help="Lightning strategy: auto, ddp, ..."),
    accelerator: str = typer.Option(None, "--accelerator", help="auto (CUDA when present), cpu, gpu"),
    batch_size: int = typer.Option(None, "--batch-size", help="samples per step"),
    val_interval: int = typer.Option(None, "--val-interval", help="steps between validations"),
    val_episodes: int = typer.Option(None, "--val-episodes", help="validation episodes per task"),
    no_language: bool = typer.Option(False, "--no-language", help="the Transporter baseline (no instruction)"),
    init_from: str = typer.Option(None, "--init-from", help="model to fine-tune (NAME:VERSION, path)"),
    seed: int = typer.Option(None, "--seed", help="torch and augmentation seed"),
    cpu_threads: int = typer.Option(None, "--cpu-threads", help="torch CPU threads (1 is fastest on a busy machine)"),
    json_out: bool = typer.Option(False, "--json", help="print one JSON object"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress lines"),
) -> None:
    """Train on the selected tasks' train datasets; validate on val seeds; keep the best checkpoint.

    Examples: `gensim train --tasks block-insertion --demos 10 --max-steps 1500`,
    `gensim train --config experiments/train-transporter-block-insertion.yaml --json`.
    """
    from gensim.training.config import TrainConfig, merge, read_recipe

    overrides = {
        "tasks": tasks.split(",") if tasks else None, "tasks_from_db": tasks_from_db,
        "demos": demos, "max_steps": max_steps, "devices": devices, "strategy": strategy,
        "accelerator": accelerator, "batch_size": batch_size, "val_interval": val_interval,
        "val_episodes": val_episodes, "init_from": init_from, "seed": seed, "cpu_threads": cpu_threads,
        "policy": {"language": False} if no_language else None,
    }
    # Progress goes to stderr, so it shows with --json too (stdout keeps the one JSON object).
    report = None if quiet else (lambda line: console.print(line, highlight=False))
    try:
        recipe = read_recipe(config) if config is not None else {}
        if "stages" in recipe:
            from gensim.training.experiment import run_experiment

            doc = run_experiment(recipe, overrides, report=report)
        else:
            if tasks or tasks_from_db:  # the flags' selection replaces the recipe's
                recipe = {k: v for k, v in recipe.items() if k not in ("tasks", "tasks_from_db")}
            from gensim.training.train import train

            doc = train(TrainConfig.from_mapping(merge(recipe, overrides)), report=report).to_json()
    except GensimError as err:
        fail_from(err)
    from gensim.training.train import is_rank_zero

    if not is_rank_zero():  # a DDP worker process: rank zero reports
        return
    if json_out:
        print_json(doc)
        return
    out.print(f"model {doc['model']}  checkpoint {doc['checkpoint']}  {doc['steps']} steps in "
              f"{doc['seconds']:.0f} s  run {doc['run_id']}", highlight=False)
