"""Training that resumes where it stopped: the same weights as a run that was never interrupted.

Lightning restores the model, optimiser, scheduler and step from `last.ckpt` (`ckpt_path=`);
what it cannot restore by itself is the data order inside an epoch. So the order is ours:

- `EpochOrder`, the sampler: epoch `e` visits the samples in the permutation drawn from
  `(seed, e)`, from its `start` on (the samples of the batches already trained in that epoch are
  skipped without being loaded).
- `ResumableLoader`, the DataLoader: its `state_dict` (saved by Lightning in every checkpoint)
  is the epoch and the batches completed in it; `load_state_dict` sets the sampler's start.
- `DataOrder`, a callback registered before the one that saves `last.ckpt`: it tells the
  sampler the epoch at its start and counts the batches completed.

Augmentation draws depend on (seed, epoch, sample index) only (see `PickPlaceDataset`), and
validation history lives next to the checkpoint (`validation.json`, see `ValidationRollouts`).
`find_resumable` picks the newest checkpoint folder of the same resolved settings whose
training stopped before `max_steps`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch import Callback, LightningModule, Trainer
from torch.utils.data import DataLoader, Sampler

LAST = "last.ckpt"
NOT_COMPARED = ("cpu_threads", "devices", "accelerator", "strategy", "num_nodes")  # where, not what


class EpochOrder(Sampler[int]):
    """Sample indices of epoch `epoch` in the permutation of `(seed, epoch)`, from `start` on."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.seed = seed
        self.epoch = 0
        self.start = 0  # samples to skip in this epoch (set on resume)

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        order = torch.randperm(self.size, generator=generator).tolist()
        start, self.start = self.start, 0
        return iter(order[start:])

    def __len__(self) -> int:
        return self.size


class ResumableLoader(DataLoader):  # type: ignore[type-arg]
    """A DataLoader over `EpochOrder` whose position in the epoch travels in checkpoints."""

    def __init__(self, dataset: Any, *, batch_size: int, seed: int, drop_last: bool, num_workers: int = 0,
                 set_epoch: Callable[[int], None] | None = None) -> None:
        self.order = EpochOrder(len(dataset), seed)
        self.set_epoch = set_epoch  # the augmentation's epoch (`PickPlaceDataset.set_epoch`)
        self.completed = 0  # batches trained in the current epoch (counted by `DataOrder`)
        super().__init__(dataset, batch_size=batch_size, sampler=self.order, drop_last=drop_last,
                         num_workers=num_workers, persistent_workers=False)

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.order.epoch, "completed": self.completed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.order.epoch = int(state["epoch"])
        self.completed = int(state["completed"])
        self.order.start = self.completed * int(self.batch_size or 1)
        if self.set_epoch is not None:  # Lightning fetches the first batch before the epoch hooks run
            self.set_epoch(self.order.epoch)


class DataOrder(Callback):
    """Keeps a `ResumableLoader` told of the epoch and of the batches completed in it."""

    def __init__(self, loader: ResumableLoader) -> None:
        self.loader = loader

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.loader.order.epoch != trainer.current_epoch:  # a new epoch, not the resumed one
            self.loader.order.epoch = trainer.current_epoch
            self.loader.completed = 0

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        self.loader.completed += 1  # counted here: a resumed epoch's batch_idx may start at 0
        if self.loader.completed >= len(self.loader):  # the epoch is done: the next one starts at 0
            self.loader.order.epoch = trainer.current_epoch + 1
            self.loader.completed = 0


def comparable(resolved: dict[str, Any]) -> dict[str, Any]:
    """The settings that decide the weights (not where they are computed)."""
    return {k: v for k, v in resolved.items() if k not in NOT_COMPARED}


def stopped_step(checkpoint: Path) -> int:
    """The global step a checkpoint was saved at (-1 if it cannot be read)."""
    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=False)
        return int(state.get("global_step", -1))
    except Exception:  # noqa: BLE001 - a damaged checkpoint is simply not resumable
        return -1


def find_resumable(checkpoints: Path, resolved: dict[str, Any]) -> Path | None:
    """The newest folder under `checkpoints` trained with these settings (`config.json`) whose
    `last.ckpt` stopped before `max_steps`; None if there is none."""
    wanted = comparable(resolved)
    folders = sorted((p for p in checkpoints.glob("*/") if (p / LAST).is_file() and (p / "config.json").is_file()),
                     key=lambda p: (p / LAST).stat().st_mtime, reverse=True)
    for folder in folders:
        try:
            saved = json.loads((folder / "config.json").read_text())
        except (OSError, ValueError):
            continue
        if isinstance(saved, dict) and comparable(saved) == wanted:
            step = stopped_step(folder / LAST)
            if 0 <= step < int(resolved["max_steps"]):
                return folder
    return None
