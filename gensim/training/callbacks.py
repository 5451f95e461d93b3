"""Lightning callbacks of `gensim train`: validation rollouts with the best checkpoint kept, and
fresh augmentation draws every epoch."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lightning.pytorch import Callback, LightningModule, Trainer

from gensim.training.selection import TaskData

Report = Callable[[str], None]


def val_seeds(n: int) -> list[int]:
    """The first `n` validation seeds of the convention (odd from 1)."""
    return [1 + 2 * i for i in range(n)]


class EpochAugmentation(Callback):
    """Tell the dataset which epoch it is, so that SE(2) draws differ from epoch to epoch."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(trainer.current_epoch)


class ProgressLines(Callback):
    """A progress line every `every` steps: step, loss and seconds per step."""

    def __init__(self, every: int, report: Report) -> None:
        self.every = max(1, every)
        self.report = report
        self.start = time.perf_counter()
        self.losses: list[float] = []

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        if loss is not None:
            self.losses.append(float(loss))
        step = trainer.global_step
        if step % self.every == 0 and self.losses:
            rate = (time.perf_counter() - self.start) / step
            mean = sum(self.losses) / len(self.losses)
            self.report(f"step {step}/{trainer.max_steps}: loss {mean:.3f} ({rate:.2f} s/step)")
            self.losses.clear()


class ValidationRollouts(Callback):
    """Every `interval` steps (and at the end) play the val seeds of every task, log success,
    and copy the checkpoint to `best.ckpt` when the mean success is at least the best so far.

    `history` keeps `(step, {task: success_rate}, mean)` of every validation.
    """

    def __init__(self, tasks: Sequence[TaskData], folder: Path, interval: int, episodes: int,
                 report: Report | None = None) -> None:
        self.tasks = list(tasks)
        self.folder = folder
        self.interval = interval
        self.episodes = episodes
        self.report = report
        self.best = -1.0
        self.best_step = -1
        self.last_step = -1
        self.history: list[tuple[int, dict[str, float], float]] = []

    @property
    def best_path(self) -> Path:
        return self.folder / "best.ckpt"

    @property
    def last_path(self) -> Path:
        return self.folder / "last.ckpt"

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        step = trainer.global_step
        if self.interval and step % self.interval == 0 and step < trainer.max_steps:
            self.validate(trainer, pl_module)

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.last_step != trainer.global_step:
            self.validate(trainer, pl_module)

    def validate(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """Save `last.ckpt`, play the validation episodes, keep the best checkpoint."""
        from gensim.policies.agent import PolicyAgent
        from gensim.training.rollout import rollouts, summary

        step = trainer.global_step
        self.last_step = step
        trainer.save_checkpoint(self.last_path)
        if not trainer.is_global_zero:
            return
        start = time.perf_counter()
        was_training = pl_module.training
        agent = PolicyAgent(pl_module)
        rates: dict[str, float] = {}
        metrics: dict[str, float] = {}
        try:
            if self.episodes:
                for data in self.tasks:
                    fields = {"task": data.task, "entry_point": data.entry_point,
                              "origin": data.origin, "code": data.code}
                    outcomes = rollouts(agent, self.last_path, fields, val_seeds(self.episodes),
                                        split="val")
                    stats = summary(outcomes)
                    rates[data.task] = stats["success_rate"]
                    metrics[f"val/success/{data.task}"] = stats["success_rate"]
                    metrics[f"val/reward/{data.task}"] = stats["mean_reward"]
        finally:
            pl_module.train(was_training)
        mean = sum(rates.values()) / len(rates) if rates else 0.0
        metrics["val/success"] = mean
        metrics["val/seconds"] = round(time.perf_counter() - start, 3)
        for logger in trainer.loggers:
            logger.log_metrics(metrics, step=step)
        self.history.append((step, rates, mean))
        if mean >= self.best:
            self.best, self.best_step = mean, step
            shutil.copyfile(self.last_path, self.best_path)
        if self.report is not None:
            shown = ", ".join(f"{k} {v:.0%}" for k, v in rates.items()) or "no rollouts"
            self.report(f"step {step}: validation success {mean:.0%} ({shown}); "
                        f"best {self.best:.0%} at step {self.best_step}")
