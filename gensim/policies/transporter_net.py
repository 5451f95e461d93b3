"""`TransporterNet`: the language-conditioned Transporter network in plain torch (no Lightning).

Pick: a `FusionUNet` scores every pixel of the top-down observation (colour + height, 4
channels). Place: key and query `FusionUNet`s embed the observation; the query features
around the pick pixel are cropped, turned into every rotation bin and correlated with the key
features, which scores every (rotation, pixel). Both heads are trained with cross-entropy
against the demonstrated pick pixel and place (rotation, pixel). With `language=False` the
streams ignore the instruction: the single-task Transporter baseline.

Training wraps it in `gensim.policies.transporter.TransporterPolicy` (a LightningModule with the
same weights); playing a checkpoint needs only this module (`gensim.policies.agent.load_policy`),
which spares `gensim eval` and the rollouts Lightning's import (torchmetrics, transformers, scipy:
several seconds of CPU).

A batch is the sample contract of `gensim.data` collated: `color` uint8 (B, 3, H, W), `height`
float32 (B, 1, H, W), `lang` list of str, `pick_uv` / `place_uv` (B, 2), `place_theta_bin` (B,).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from gensim.policies.config import PolicyConfig
from gensim.policies.language import EMBEDDING_DIM, TextEncoder, shared_encoder
from gensim.policies.networks import FusionUNet, correlate, crop_at, rotate, rotation_angles

Prediction = tuple[tuple[int, int], tuple[int, int], int]  # pick (u, v), place (u, v), bin


def _uv(value: Any) -> torch.Tensor:
    """(B, 2) long tensor from a collated (u, v) label (a tensor, or a pair of tensors)."""
    if isinstance(value, list | tuple):
        return torch.stack([torch.as_tensor(v) for v in value], dim=1).long()
    return torch.as_tensor(value).long().reshape(-1, 2)


class TransporterNet(torch.nn.Module):
    """Pick and place heads over a top-down observation, conditioned on the instruction."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.config = PolicyConfig.from_dict(dict(config or {}))
        cfg = self.config
        lang_dim = EMBEDDING_DIM if cfg.language else None
        if cfg.language and cfg.lang_dim != EMBEDDING_DIM:
            raise ValueError(f"lang_dim must be {EMBEDDING_DIM} (the sentence encoder's size)")

        def net(c_out: int) -> FusionUNet:
            return FusionUNet(4, c_out, cfg.width, cfg.levels, cfg.stride, lang_dim)

        if cfg.shared_trunk:
            self.trunk = net(1 + 2 * cfg.feature_dim)
        else:
            self.pick_net = net(1)
            self.key_net = net(cfg.feature_dim)
            self.query_net = net(cfg.feature_dim)
        self.text_encoder: TextEncoder | None = None  # set on first use; not in the weights

    @property
    def device(self) -> torch.device:
        """Where the weights are (a LightningModule subclass keeps Lightning's own)."""
        return next(self.parameters()).device

    # Inputs --------------------------------------------------------------------------------
    def _image(self, color: torch.Tensor, height: torch.Tensor) -> torch.Tensor:
        color = color.to(self.device, torch.float32) / 255.0 - 0.5
        height = height.to(self.device, torch.float32) / self.config.height_scale
        return torch.cat([color, height], dim=1)

    def _lang(self, texts: Sequence[str]) -> torch.Tensor | None:
        if not self.config.language:
            return None
        if self.text_encoder is None:
            self.text_encoder = shared_encoder()
        return self.text_encoder.encode(list(texts)).to(self.device)

    # Heads ---------------------------------------------------------------------------------
    def features(self, image: torch.Tensor, lang: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
        """Pick scores (B, 1, h, w), keys and queries (B, C, h, w) at 1/stride resolution."""
        if self.config.shared_trunk:
            out = self.trunk(image, lang)
            c = self.config.feature_dim
            return out[:, :1], out[:, 1: 1 + c], out[:, 1 + c:]
        return self.pick_net(image, lang), self.key_net(image, lang), self.query_net(image, lang)

    def place_scores(self, keys: torch.Tensor, queries: torch.Tensor,
                     pick_cells: torch.Tensor) -> torch.Tensor:
        """(B, R, h, w) place scores of every rotation bin and cell, given the pick cells."""
        cfg = self.config
        size = cfg.crop_size // cfg.stride + 1  # odd: the pick cell is the exact turning centre
        crops = crop_at(queries, pick_cells, size)
        b, c = crops.shape[:2]
        angles = rotation_angles(cfg.theta_bins, crops.device).repeat(b)
        turned = rotate(crops.repeat_interleave(cfg.theta_bins, dim=0), angles)
        return correlate(keys, turned.reshape(b, cfg.theta_bins, c, size, size))

    def _cells(self, uv: torch.Tensor) -> torch.Tensor:
        """Full-resolution pixels (B, 2) -> cells of the 1/stride feature maps."""
        return torch.div(uv, self.config.stride, rounding_mode="floor")

    def _pixels(self, cells: torch.Tensor) -> torch.Tensor:
        """Cells -> the full-resolution pixel at their centre."""
        return cells * self.config.stride + self.config.stride // 2

    # Loss ----------------------------------------------------------------------------------
    def losses(self, batch: dict[str, Any]) -> dict[str, torch.Tensor]:
        """Cross-entropy of the pick cell and of the place (rotation, cell), at 1/stride."""
        image = self._image(batch["color"], batch["height"])
        lang = self._lang(batch["lang"])
        pick = self._cells(_uv(batch["pick_uv"]).to(self.device))
        place = self._cells(_uv(batch["place_uv"]).to(self.device))
        theta = torch.as_tensor(batch["place_theta_bin"]).long().to(self.device).reshape(-1)
        pick_scores, keys, queries = self.features(image, lang)
        h, w = pick_scores.shape[-2:]
        pick_loss = F.cross_entropy(pick_scores.flatten(1), pick[:, 0] * w + pick[:, 1])
        place_scores = self.place_scores(keys, queries, pick).flatten(1)
        target = theta * (h * w) + place[:, 0] * w + place[:, 1]
        place_loss = F.cross_entropy(place_scores, target)
        return {"loss": pick_loss + place_loss, "pick_loss": pick_loss, "place_loss": place_loss}

    # Inference -----------------------------------------------------------------------------
    @torch.no_grad()
    def predict(self, color: torch.Tensor, height: torch.Tensor,
                lang: Sequence[str]) -> list[Prediction]:
        """Argmax pick, then argmax place (rotation, cell) given it; pixels are cell centres."""
        image = self._image(color, height)
        pick_scores, keys, queries = self.features(image, self._lang(lang))
        h, w = pick_scores.shape[-2:]
        index = pick_scores.flatten(1).argmax(dim=1)
        pick = torch.stack([index // w, index % w], dim=1)
        index = self.place_scores(keys, queries, pick).flatten(1).argmax(dim=1)
        theta, rest = index // (h * w), index % (h * w)
        place = torch.stack([rest // w, rest % w], dim=1)
        pick_px, place_px = self._pixels(pick).tolist(), self._pixels(place).tolist()
        return [((int(p[0]), int(p[1])), (int(q[0]), int(q[1])), int(t))
                for p, q, t in zip(pick_px, place_px, theta.tolist(), strict=True)]

    def predict_observation(self, color: np.ndarray, height: np.ndarray, lang: str) -> Prediction:
        """One prediction from an environment observation: colour (H, W, 3) uint8, height (H, W)."""
        color_t = torch.as_tensor(np.ascontiguousarray(color)).permute(2, 0, 1)[None]
        height_t = torch.as_tensor(np.asarray(height, dtype=np.float32))[None, None]
        return self.predict(color_t, height_t, [lang])[0]
