"""`train(config)`: the library function behind `gensim train`.

One run: resolve the tasks, make missing training datasets, train a `TransporterPolicy` with
Lightning over all tasks' demos (first N episodes of each), validate by rollouts on the val
seeds at intervals, keep the best checkpoint by validation success, and record everything:
one MLflow run in `gensim/train` (resolved config, losses, validation success per task, system
metrics, dataset inputs, the checkpoint as an artifact and a registered model version tagged
with the task versions and dataset digests) and one `PolicyCheckpoint` row in the task DB.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gensim.errors import UsageError
from gensim.interrupts import Interrupted, received
from gensim.training.config import TrainConfig
from gensim.training.selection import TaskData, prepare_task, resolve_tasks

Report = Callable[[str], None]
Progress = Callable[[dict[str, Any]], None]
CHECKPOINT_ARTIFACT = "checkpoint"  # artifact folder of the checkpoint in the MLflow run


@dataclass
class TrainResult:
    """What a training run produced; `to_json()` is the CLI's `--json` object."""

    run_id: str | None
    model: str  # "NAME:VERSION" of the registered model, or the checkpoint path without tracking
    checkpoint: str
    steps: int
    seconds: float
    best_val_success: float
    best_step: int
    tasks: list[str]
    checkpoint_id: int | None = None
    samples: int = 0  # training samples (actions) over all tasks
    samples_per_second: float = 0.0
    val_history: list[dict[str, Any]] = field(default_factory=list)
    training_curve: str | None = None  # PNG next to the checkpoint (loss, validation success)
    mlflow_url: str | None = None  # the run's page in the MLflow UI

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _trainer_devices(config: TrainConfig) -> Any:
    devices = config.devices
    if devices.isdigit():
        return int(devices)
    return devices if devices == "auto" else [int(d) for d in devices.split(",") if d.strip()]


def _dataset(tasks: list[TaskData], config: TrainConfig) -> Any:
    """The first `demos` episodes of every task's dataset, as one torch dataset."""
    from torch.utils.data import Subset

    from gensim.data.dataset import PickPlaceDataset

    full = PickPlaceDataset([t.dataset_path for t in tasks], augment=config.augment, seed=config.seed)
    keep = [i for i, (_, episode, _) in enumerate(full.index) if episode < config.demos]
    return full, Subset(full, keep)


def _initial_policy(config: TrainConfig) -> Any:
    from gensim.policies.transporter import TransporterPolicy

    policy = TransporterPolicy(config.policy_config().to_dict())
    if config.init_from:
        from gensim.policies.agent import load_policy
        from gensim.training.models import resolve_model

        source = load_policy(resolve_model(config.init_from).checkpoint)
        optimiser = {"lr", "weight_decay"}  # may change for fine-tuning; the rest is the network
        mine = {k: v for k, v in policy.config.to_dict().items() if k not in optimiser}
        if {k: v for k, v in source.config.to_dict().items() if k not in optimiser} != mine:
            raise UsageError(f"--init-from {config.init_from} has other policy settings than this run")
        policy.load_state_dict(source.state_dict())
    return policy


def _quiet_lightning() -> None:
    """Lightning's banners and advisories (GPU/TPU availability, tips) are noise on stderr."""
    import logging
    import warnings

    import lightning.pytorch  # noqa: F401 - it sets its loggers' levels on import; override after

    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)
    for text in (".*LeafSpec.*", ".*log_every_n_steps.*", ".*weights_only.*", ".*litlogger.*",
                 ".*does not have many workers.*"):
        warnings.filterwarnings("ignore", message=text)


def is_rank_zero() -> bool:
    """False in the extra processes that Lightning's DDP launcher starts (they rerun the command
    and must not make datasets, MLflow runs or DB rows of their own)."""
    import os

    return all(os.environ.get(name, "0") == "0" for name in ("RANK", "LOCAL_RANK", "NODE_RANK"))


def train(config: TrainConfig, *, report: Report | None = None, track: bool = True,
          progress: Progress | None = None, defer_tracking: bool = False, resume: bool = False) -> TrainResult:
    """Run one training (see the module docstring); `report` receives lines (datasets made,
    validation results), `progress` an event after every step (see
    `gensim.training.callbacks.ProgressEvents`).

    `defer_tracking` keeps the MLflow run as a record in the home's outbox, logged after the
    call by a detached writer (`gensim.tracking.outbox`): the step metrics with their steps and
    times, the dataset inputs, artifacts and the model registration reach MLflow as the live
    run would have logged them, without importing MLflow here. The model's version is then the
    one this home predicts (`predict_version`), and the checkpoint's DB row, which names it, is
    enough for `gensim eval` to find the model before the run is logged. With a tracking server
    (a registry other homes may write to) the record is logged before returning instead.

    `resume` continues the newest training of the same settings that stopped before
    `max_steps` from its `last.ckpt` (model, optimiser, scheduler, step and the position in the
    data order: see `gensim.training.resume`), in its folder; it ends with the weights an
    uninterrupted run would have had. `UsageError` when there is none.

    Under DDP only global rank zero tracks, records and reports; the other ranks only train.
    """
    from gensim.config import get_settings
    from gensim.data.catalog import pin_task

    # Names are checked before any heavy import (lightning, torch, mlflow): mistakes fail fast.
    selected = resolve_tasks(config.tasks, config.tasks_from_db)
    names = [pin_task(name, version).name for name, version in selected]
    resolved = config.resolved() | {"tasks": names}
    _quiet_lightning()
    if not is_rank_zero():
        track, report, progress = False, None, None
    say = report or (lambda _line: None)
    resume_from = None
    if resume:  # before any dataset is made: a mistaken --resume fails at once
        from gensim.training.resume import LAST, find_resumable

        found = find_resumable(get_settings().checkpoints_dir, resolved)
        if found is None:
            raise UsageError("nothing to resume: no training with these settings stopped before "
                             f"{config.max_steps} steps in {get_settings().checkpoints_dir}; run without --resume")
        folder, resume_from = found, found / LAST
    tasks = [prepare_task(name, version, config.demos, workers=config.demo_workers, progress=say,
                          robot=config.robot) for name, version in selected]
    if resume_from is not None:
        say(f"resuming the training in {folder}")
    else:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = get_settings().checkpoints_dir / f"{stamp}-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(resolved, indent=2))
    if not track:
        return _fit(config, tasks, folder, None, say, progress, resume_from)
    from gensim.tracking import TRAIN, get_tracker

    label = ",".join(names) if len(names) <= 3 else f"{len(names)} tasks"
    language = "lang" if config.policy_config().language else "nolang"
    run_name = config.name or f"train {label} {language} {config.demos} demos {config.max_steps} steps"
    tags = {"gensim.tasks": ",".join(names), "gensim.language": config.policy_config().language,
            "gensim.robot": config.robot}
    tracker = get_tracker()
    if defer_tracking:
        from gensim.tracking.outbox import deferred_run

        opened: Any = deferred_run(TRAIN, run_name, tags=tags, params=resolved,
                                   foreground=tracker.uri.startswith(("http://", "https://")))
    else:
        opened = tracker.run(TRAIN, run_name, tags=tags, params=resolved, system_metrics=True)
    with opened as run:
        run.log_dict(resolved, "config.json")
        result = _fit(config, tasks, folder, run, say, progress, resume_from)
        _record(result, config, tasks, run)
        if config.name is None and result.model != result.checkpoint:  # registered: say which version
            run.set_tags({"mlflow.runName": f"{run_name} -> {result.model}"})
        if result.training_curve:
            run.log_artifact(result.training_curve, "plots")
    result.run_id = run.run_id  # a deferred run's id is known now if it was logged here
    result.mlflow_url = run.url
    version = getattr(run, "model_version", None)
    if version is not None:  # logged here: the registry's own version
        result.model = f"{config.model_name}:{version}"
    return result


def _fit(config: TrainConfig, tasks: list[TaskData], folder: Path, run: Any,
         say: Report, progress: Progress | None = None, resume_from: Path | None = None) -> TrainResult:
    import lightning.pytorch as pl
    import torch

    from gensim.training.callbacks import EpochAugmentation, ProgressEvents, ValidationRollouts
    from gensim.training.config import torch_threads
    from gensim.training.journal import MetricJournal
    from gensim.training.resume import DataOrder, ResumableLoader, stopped_step

    torch.set_num_threads(torch_threads(config.cpu_threads))  # 0: what the machine's load leaves
    pl.seed_everything(config.seed, workers=True, verbose=False)
    full, dataset = _dataset(tasks, config)
    if len(dataset) == 0:
        raise UsageError("the selected datasets hold no training samples")
    loader = ResumableLoader(dataset, batch_size=config.batch_size, seed=config.seed,
                             num_workers=config.num_workers, drop_last=len(dataset) >= config.batch_size,
                             set_epoch=full.set_epoch)
    if run is not None:
        import numpy as np

        for data in tasks:
            run.log_dataset({"episodes": np.arange(data.episodes)}, name=f"{data.task}-v{data.version}-train",
                            source=data.dataset_path, digest=data.digest[:36])
    policy = _initial_policy(config)
    validation = ValidationRollouts(tasks, folder, config.val_interval, config.val_episodes, say,
                                    robot=config.robot)
    if resume_from is not None:
        validation.restore(stopped_step(resume_from))
    events = ProgressEvents(progress, validation, window=max(1, config.log_every * 5))
    loggers: list[Any] = []
    if run is not None and run.active:
        from gensim.tracking.lightning import RunLogger

        loggers.append(RunLogger(run, hyperparams=False))  # train() logged the resolved config
    journal = MetricJournal(folder)  # a resumed run's curve also holds the points before its start
    loggers.append(journal)
    trainer = pl.Trainer(
        max_steps=config.max_steps, accelerator=config.accelerator, devices=_trainer_devices(config),
        strategy=config.strategy, num_nodes=config.num_nodes, precision=config.precision,  # type: ignore[arg-type]
        logger=loggers,
        callbacks=[DataOrder(loader), validation, EpochAugmentation(full), events],  # order first: last.ckpt has it
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        log_every_n_steps=max(1, config.log_every), num_sanity_val_steps=0,
        default_root_dir=str(folder), deterministic=False,
    )
    say(f"training on {len(dataset)} samples of {len(tasks)} task(s) for {config.max_steps} steps")
    start = time.perf_counter()
    try:
        trainer.fit(policy, train_dataloaders=loader,
                    ckpt_path=None if resume_from is None else str(resume_from))
    except (KeyboardInterrupt, SystemExit) as err:  # Lightning ends a Ctrl-C with sys.exit(1)
        if isinstance(err, SystemExit) and received() is None:
            raise
        raise Interrupted(_interrupted_note(trainer, config, validation)) from None
    seconds = round(time.perf_counter() - start, 3)
    _restore_curve(journal, events, run)
    best = validation.best_path if validation.best_path.exists() else validation.last_path
    steps = int(trainer.global_step)
    curve = _training_curve(folder, events.losses, validation.history, tasks, say)
    return TrainResult(
        run_id=None if run is None else run.run_id, model=str(best), checkpoint=str(best),
        steps=steps, seconds=seconds, best_val_success=max(validation.best, 0.0),
        best_step=validation.best_step, tasks=[t.task for t in tasks], samples=len(dataset),
        samples_per_second=round(steps * config.batch_size / seconds, 3) if seconds else 0.0,
        val_history=[{"step": s, "success": r, "mean": m} for s, r, m in validation.history],
        training_curve=curve,
    )


def _restore_curve(journal: Any, events: Any, run: Any) -> None:
    """Into a resumed training's run and curve, the points its earlier attempts logged that it
    did not log itself (see `gensim.training.journal`)."""
    missing = journal.missing()
    if run is not None:
        for step, values in missing.items():
            run.log_metrics(values, step=step)
    # Lightning logs a step's losses at the step count before it; the curve uses the count after it.
    restored = [(step + 1, values["train/loss"]) for step, values in missing.items() if "train/loss" in values]
    events.losses = sorted(restored + events.losses)


def _interrupted_note(trainer: Any, config: TrainConfig, validation: Any) -> str:
    """What an interrupted training kept: the checkpoint of its last validation, if any."""
    stopped = f"training stopped at step {int(trainer.global_step)} of {config.max_steps}"
    if validation.last_step < 0 or not validation.last_path.exists():
        return f"{stopped} before its first checkpoint; rerun the same command to start again"
    return (f"{stopped}; checkpoint of step {validation.last_step} kept in {validation.last_path}; "
            "rerun the same command with --resume to continue from it")


def _training_curve(folder: Path, losses: list[tuple[int, float]], history: list[Any],
                    tasks: list[TaskData], say: Report) -> str | None:
    """`training_curve.png` next to the checkpoint (rank zero only); None if it cannot be drawn."""
    if not is_rank_zero():
        return None
    from gensim.training import plots

    label = ", ".join(t.task for t in tasks[:3]) + (f" (+{len(tasks) - 3})" if len(tasks) > 3 else "")
    try:
        figure = plots.training_curve(losses, history, title=f"training on {label}")
        return str(plots.save(figure, folder / "training_curve.png"))
    except Exception as err:  # noqa: BLE001 - a finished training must not fail over a picture
        say(f"training curve not drawn: {type(err).__name__}: {err}")
        return None


def _record(result: TrainResult, config: TrainConfig, tasks: list[TaskData], run: Any) -> None:
    """Checkpoint artifact, registered model version, `PolicyCheckpoint` row, final metrics."""
    from gensim.db import provenance

    metrics = {"best_val_success": result.best_val_success, "best_step": result.best_step,
               "steps": result.steps, "seconds": result.seconds,
               "samples_per_second": result.samples_per_second}
    row = provenance.add_checkpoint(
        result.checkpoint, version_ids=[t.version_id for t in tasks],
        dataset_ids=[t.dataset_id for t in tasks if t.dataset_id is not None],
        metrics=metrics, mlflow_run_id=run.run_id)
    result.checkpoint_id = row.id
    if run.run_id is None:  # a deferred run: the row learns its run and version when it is logged
        run.on_created("gensim.db.provenance:set_checkpoint_run", checkpoint_id=row.id, with_version=True)
    run.log_metrics({f"final/{k}": float(v) for k, v in metrics.items()}, step=result.steps)
    run.log_artifact(result.checkpoint, CHECKPOINT_ARTIFACT)
    run.log_dict(result.to_json(), "train.json")
    tags: dict[str, Any] = {"gensim.checkpoint_id": row.id, "gensim.checkpoint_path": result.checkpoint,
                            "gensim.tasks": ",".join(result.tasks),
                            "gensim.language": config.policy_config().language, "gensim.robot": config.robot}
    for data in tasks:
        tags[f"task.{data.task}"] = f"v{data.version} (version id {data.version_id}, code {data.code_hash[:12]})"
        tags[f"dataset.{data.task}"] = f"{data.digest} (dataset id {data.dataset_id}, {data.episodes} demos)"
    version = run.register_model(CHECKPOINT_ARTIFACT, config.model_name, tags=tags,
                                 description=f"TransporterPolicy trained on {', '.join(result.tasks)}")
    run.set_tags({"gensim.checkpoint_id": row.id})
    if version is not None:
        result.model = f"{config.model_name}:{version}"
        provenance.update_checkpoint(row.id or 0, registered_model_name=config.model_name,
                                     registered_model_version=str(version))
        run.set_tags({"gensim.model": result.model})
