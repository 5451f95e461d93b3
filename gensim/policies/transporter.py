"""`TransporterPolicy`: the Transporter network (`gensim.policies.transporter_net`) as a
Lightning module, for training: its hyperparameters in the checkpoint, the training step and
the optimiser. Its checkpoints' weights load into a `TransporterNet` without Lightning.
"""

from __future__ import annotations

from typing import Any

import lightning.pytorch as pl
import torch

from gensim.policies.transporter_net import TransporterNet


class TransporterPolicy(TransporterNet, pl.LightningModule):
    """`TransporterNet` trained by Lightning (the same weights, `hyper_parameters["config"]`)."""

    device = pl.LightningModule.device  # Lightning's own, kept in step by `.to()`

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.save_hyperparameters({"config": self.config.to_dict()})

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        losses = self.losses(batch)
        size = int(torch.as_tensor(batch["place_theta_bin"]).numel())
        self.log_dict({f"train/{k}": v.detach() for k, v in losses.items()},
                      on_step=True, on_epoch=False, prog_bar=False, batch_size=size)
        return losses["loss"]

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.config.lr,
                                weight_decay=self.config.weight_decay)
