"""The torch `Dataset` and Lightning `DataModule` over one or many tasks' demo datasets.

A sample is one expert action with the observation it was chosen from (keys and frames are
documented in docs/dataset-format.md):

    color            uint8 tensor (3, 320, 160)   top-down colour, channels first
    height           float32 tensor (1, 320, 160) height above the table (m)
    lang             str                          the language goal shown with the observation
    pick_uv          int64 tensor (2,)            pick pixel (row u along y, column v along x)
    place_uv         int64 tensor (2,)            place pixel
    place_theta_bin  int                          place yaw relative to pick yaw, in [0, 36)
    place_theta      float                        the same angle in radians, [0, 2*pi)
    task             str                          task name
    seed             int                          episode seed
    step             int                          action index within the episode

This module imports torch and Lightning; import it only where they are needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from gensim.data.augment import AugmentConfig, augment
from gensim.data.reader import DemoReader
from gensim.errors import UsageError


class PickPlaceDataset(Dataset):
    """Every action of the given dataset folders as one sample; optional SE(2) augmentation.

    Augmentation draws from `numpy.random.default_rng([seed, epoch, index, torch seed])`: the
    same sample differs across epochs (call `set_epoch`) and DataLoader workers, and a run
    is reproducible when torch is seeded. `set_epoch` reaches DataLoader workers only when they
    are started again each epoch (`persistent_workers=False`, as `gensim train` does): persistent
    workers keep their own copy and would repeat epoch 0's draws, which a network memorises
    (seen on a GPU: training loss 1e-5, test success 20%; bench/bench_gpu.py shows a fix).
    """

    def __init__(self, roots: Sequence[Path | str], *, augment: bool = False, seed: int = 0,
                 config: AugmentConfig = AugmentConfig()) -> None:
        if not roots:
            raise UsageError("PickPlaceDataset needs at least one dataset folder")
        self.readers = [DemoReader(root, verify=True) for root in roots]  # checksums, once
        self.index: list[tuple[int, int, int]] = [
            (r, episode, step) for r, reader in enumerate(self.readers) for episode, step in reader.steps()]
        self.augment = augment
        self.seed = seed
        self.epoch = 0
        self.config = config
        self._small: dict[tuple[int, int], dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.index)

    def set_epoch(self, epoch: int) -> None:
        """Select the augmentation draws of `epoch`."""
        self.epoch = int(epoch)

    def tasks(self) -> list[str]:
        return sorted({reader.task for reader in self.readers})

    def _labels(self, r: int, e: int) -> dict[str, Any]:
        """The small per-episode arrays (labels, goals, seed), read once and kept (about 1 KB)."""
        key = (r, e)
        if key not in self._small:
            episode = self.readers[r].episode(e)
            try:
                self._small[key] = {**episode.labels, "lang": episode.lang,
                                    "seed": int(self.readers[r].metas()[e]["seed"])}
            finally:
                episode.close()
        return self._small[key]

    def raw(self, index: int) -> dict[str, Any]:
        """The sample as numpy arrays, before augmentation (channels last)."""
        r, e, t = self.index[index]
        small = self._labels(r, e)
        episode = self.readers[r].episode(e)
        try:
            color, height = episode.color(t), episode.height(t)
        finally:
            episode.close()
        return {"color": color, "height": height, "lang": small["lang"][t],
                "pick_uv": small["pick_uv"][t].astype(np.int64),
                "place_uv": small["place_uv"][t].astype(np.int64),
                "place_theta_bin": int(small["place_theta_bin"][t]),
                "place_theta": float(small["place_theta"][t]),
                "task": self.readers[r].task, "seed": small["seed"], "step": t}

    def __getitem__(self, index: int) -> dict[str, Any]:
        sample = self.raw(index)
        color, height = sample["color"], sample["height"]
        if self.augment:
            rng = np.random.default_rng([self.seed, self.epoch, index, torch.initial_seed() % 2**63])
            color, height, sample["pick_uv"], sample["place_uv"] = augment(
                color, height, sample["pick_uv"], sample["place_uv"], rng, self.config)
        sample["color"] = torch.from_numpy(np.ascontiguousarray(color.transpose(2, 0, 1)))
        sample["height"] = torch.from_numpy(np.ascontiguousarray(height, dtype=np.float32))[None]
        sample["pick_uv"] = torch.as_tensor(sample["pick_uv"], dtype=torch.int64)
        sample["place_uv"] = torch.as_tensor(sample["place_uv"], dtype=torch.int64)
        return sample


class DemoDataModule(pl.LightningDataModule):
    """Train (augmented) and validation loaders over dataset folders of one or many tasks."""

    def __init__(self, train: Sequence[Path | str], val: Sequence[Path | str] = (), *,
                 batch_size: int = 8, num_workers: int = 0, augment: bool = True, seed: int = 0,
                 config: AugmentConfig = AugmentConfig()) -> None:
        super().__init__()
        self.train_roots = list(train)
        self.val_roots = list(val)
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.augment = augment
        self.seed = seed
        self.config = config
        self.train_set: PickPlaceDataset | None = None
        self.val_set: PickPlaceDataset | None = None

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None:
            self.train_set = PickPlaceDataset(self.train_roots, augment=self.augment, seed=self.seed,
                                              config=self.config)
        if self.val_set is None and self.val_roots:
            self.val_set = PickPlaceDataset(self.val_roots, augment=False)

    def _loader(self, dataset: PickPlaceDataset, shuffle: bool) -> DataLoader:
        generator = torch.Generator().manual_seed(self.seed)
        return DataLoader(dataset, batch_size=self.batch_size, shuffle=shuffle, generator=generator,
                          num_workers=self.num_workers, pin_memory=torch.cuda.is_available())

    def train_dataloader(self) -> DataLoader:
        self.setup("fit")
        assert self.train_set is not None
        if self.trainer is not None:
            self.train_set.set_epoch(self.trainer.current_epoch)
        return self._loader(self.train_set, shuffle=True)

    def val_dataloader(self) -> DataLoader | list[Any]:
        self.setup("validate")
        return self._loader(self.val_set, shuffle=False) if self.val_set is not None else []
