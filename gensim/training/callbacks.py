"""Lightning callbacks of `gensim train`: validation rollouts with the best checkpoint kept,
fresh augmentation draws every epoch, and progress events (step, recent loss, validation)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lightning.pytorch import Callback, LightningModule, Trainer

from gensim.checking import conventions
from gensim.training.selection import TaskData

Report = Callable[[str], None]
Progress = Callable[[dict[str, Any]], None]


def val_seeds(n: int) -> list[int]:
    """The first `n` validation seeds of the convention (odd from 1)."""
    return conventions.val_seeds(n)


class EpochAugmentation(Callback):
    """Tell the dataset which epoch it is, so that SE(2) draws differ from epoch to epoch."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(trainer.current_epoch)


class ProgressEvents(Callback):
    """After every optimiser step, `progress(event)` with the keys `step`, `max_steps`, `loss`
    (mean of the last `window` losses) and `val_success` (the latest validation's mean success,
    None before the first); keeps `(step, loss)` of every step in `losses` for the training curve.

    Register it after `ValidationRollouts` so that a step's event sees that step's validation.
    The last validation runs when training ends, after the last step's event: one more event
    then shows it (the bar would otherwise end on the validation before).
    """

    def __init__(self, progress: Progress | None, validation: ValidationRollouts | None = None,
                 window: int = 20) -> None:
        self.progress = progress
        self.validation = validation
        self.window = max(1, window)
        self.losses: list[tuple[int, float]] = []
        self._shown = 0  # validations in the history when the last event was sent

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        step = int(trainer.global_step)
        if loss is not None:
            self.losses.append((step, float(loss)))
        self._send(trainer)

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        history = self.validation.history if self.validation is not None else []
        if len(history) != self._shown:
            self._send(trainer)

    def _send(self, trainer: Trainer) -> None:
        if self.progress is None:
            return
        recent = [value for _, value in self.losses[-self.window:]]
        history = self.validation.history if self.validation is not None else []
        self._shown = len(history)
        self.progress({"step": int(trainer.global_step), "max_steps": int(trainer.max_steps),
                       "loss": sum(recent) / len(recent) if recent else None,
                       "val_success": history[-1][2] if history else None})


class ValidationRollouts(Callback):
    """Every `interval` steps (and at the end) play the val seeds of every task, log success,
    and copy the checkpoint to `best.ckpt` when the mean success is at least the best so far.

    `history` keeps `(step, {task: success_rate}, mean)` of every validation.
    """

    def __init__(self, tasks: Sequence[TaskData], folder: Path, interval: int, episodes: int,
                 report: Report | None = None, robot: str = "none") -> None:
        self.tasks = list(tasks)
        self.robot = robot
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

    def on_save_checkpoint(self, trainer: Trainer, pl_module: LightningModule, checkpoint: dict[str, Any]) -> None:
        """Every checkpoint records the embodiment it was trained for (`ROBOT_KEY`)."""
        from gensim.training.models import ROBOT_KEY

        checkpoint[ROBOT_KEY] = self.robot

    @property
    def history_path(self) -> Path:
        """The validations so far (JSON), written after each one: a resumed training reads it."""
        return self.folder / "validation.json"

    def restore(self, step: int) -> None:
        """The validations of a stopped training up to `step` (that of its `last.ckpt`)."""
        try:
            doc = json.loads(self.history_path.read_text())
        except (OSError, ValueError):
            return
        self.history = [(int(s), {str(k): float(v) for k, v in r.items()}, float(m))
                        for s, r, m in doc.get("history", []) if int(s) <= step]
        for s, _, mean in self.history:
            if mean >= self.best:
                self.best, self.best_step = mean, s
        self.last_step = step

    def _save_history(self) -> None:
        tmp = self.history_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"history": self.history}))
        tmp.replace(self.history_path)

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
        tmp = self.last_path.with_suffix(".ckpt.tmp")  # whole or not at all, even when interrupted
        trainer.save_checkpoint(tmp)
        if trainer.is_global_zero:
            tmp.replace(self.last_path)
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
                                        split="val", robot=self.robot)
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
            tmp = self.best_path.with_suffix(".ckpt.tmp")  # an interrupt never leaves half a best.ckpt
            shutil.copyfile(self.last_path, tmp)
            tmp.replace(self.best_path)
        self._save_history()
        if self.report is not None:
            shown = ", ".join(f"{k} {v:.0%}" for k, v in rates.items()) or "no rollouts"
            self.report(f"step {step}: validation success {mean:.0%} ({shown}); "
                        f"best {self.best:.0%} at step {self.best_step}")
