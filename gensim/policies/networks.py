"""The convolutional streams of the Transporter policy (torch only; imported by `transporter`).

`FusionUNet` is a small residual encoder-decoder. With a language embedding it applies FiLM
(a per-channel scale and shift computed from the embedding) after every decoder stage, the
role CLIPort's language stream plays at several scales of its decoder. `rotate` and
`correlate` are the transport operation: crops of query features turned into rotation bins and
slid over the key features.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def _norm(channels: int) -> nn.GroupNorm:
    # Group norm: batches here are small (a few samples), where batch statistics are noise.
    return nn.GroupNorm(min(8, channels), channels)


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with a shortcut; `stride` 2 halves the resolution."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.norm1 = _norm(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.norm2 = _norm(c_out)
        self.skip: nn.Module = (
            nn.Identity() if stride == 1 and c_in == c_out
            else nn.Conv2d(c_in, c_out, 1, stride, bias=False)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.norm1(self.conv1(x)))
        y = self.norm2(self.conv2(y))
        return F.relu(y + self.skip(x))


class FiLM(nn.Module):
    """Scale and shift of feature channels from a language embedding (identity at init)."""

    def __init__(self, lang_dim: int, channels: int) -> None:
        super().__init__()
        self.proj = nn.Linear(lang_dim, 2 * channels)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor, lang: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.proj(lang).chunk(2, dim=1)
        return x * (1.0 + gamma[:, :, None, None]) + beta[:, :, None, None]


class FusionUNet(nn.Module):
    """Image (B, c_in, H, W) -> features (B, c_out, H/stride, W/stride), optionally language-fused.

    The stem works at 1/`stride` of the input; `levels` stages each halve it again and double
    the channels; the decoder comes back up with skip connections.
    """

    def __init__(self, c_in: int, c_out: int, width: int = 16, levels: int = 3,
                 stride: int = 2, lang_dim: int | None = None) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(c_in, width, 3, stride, 1, bias=False), _norm(width), nn.ReLU(),
            ResidualBlock(width, width),
        )
        chans = [width * 2**i for i in range(levels + 1)]
        self.down = nn.ModuleList(ResidualBlock(chans[i], chans[i + 1], 2) for i in range(levels))
        self.up = nn.ModuleList(
            ResidualBlock(chans[i + 1] + chans[i], chans[i]) for i in reversed(range(levels))
        )
        self.film = (
            nn.ModuleList(FiLM(lang_dim, chans[i]) for i in reversed(range(levels)))
            if lang_dim else None
        )
        self.head = nn.Conv2d(width, c_out, 1)

    def forward(self, x: torch.Tensor, lang: torch.Tensor | None = None) -> torch.Tensor:
        skips = [self.stem(x)]
        for block in self.down:
            skips.append(block(skips[-1]))
        y = skips.pop()
        for index, block in enumerate(self.up):
            skip = skips.pop()
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = block(torch.cat([y, skip], dim=1))
            if self.film is not None and lang is not None:
                y = self.film[index](y, lang)
        return self.head(y)


def rotation_angles(bins: int, device: torch.device | None = None) -> torch.Tensor:
    """The yaw (radians) of every rotation bin: 0, 2*pi/bins, ..."""
    return torch.arange(bins, device=device, dtype=torch.float32) * (2.0 * math.pi / bins)


def rotate(images: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
    """Square images (N, C, S, S) turned about their centre by `angles` (N,) radians.

    The turn is the world's counter-clockwise yaw: with columns along x and rows along y, a
    feature at +x moves towards +y. Content leaving the square is dropped, new area is zero.
    """
    cos, sin = torch.cos(angles), torch.sin(angles)
    zero = torch.zeros_like(cos)
    # affine_grid samples the input at A @ output, so A is the inverse rotation.
    matrix = torch.stack([torch.stack([cos, sin, zero], 1), torch.stack([-sin, cos, zero], 1)], 1)
    grid = F.affine_grid(matrix, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def crop_at(features: torch.Tensor, centres: torch.Tensor, size: int) -> torch.Tensor:
    """(B, C, H, W) features -> (B, C, size, size) crops centred on `centres` (B, 2) of (u, v).

    With an odd `size` the centre pixel is the crop's middle; outside the image is zero."""
    half = size // 2
    padded = F.pad(features, (half, half, half, half))
    crops = [padded[b, :, int(u): int(u) + size, int(v): int(v) + size]
             for b, (u, v) in enumerate(centres.tolist())]
    return torch.stack(crops)


def correlate(keys: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Slide each sample's rotated kernels over its key features (cross-correlation, by FFT).

    keys (B, C, H, W), kernels (B, R, C, S, S) -> scores (B, R, H, W), one map per rotation,
    centred like a 'same' convolution and divided by sqrt(C*S*S) to keep logits near unit scale.
    The FFT does in O(HW log HW) what a direct convolution with S x S kernels does in O(HW S^2);
    the keys are zero-padded so that nothing wraps around.
    """
    b, c, h, w = keys.shape
    s = kernels.shape[-1]
    lo, hi = s // 2, s - 1 - s // 2
    size = (_fast_size(h + s - 1), _fast_size(w + s - 1))
    padded = F.pad(keys, (lo, hi, lo, hi))
    spectrum = torch.fft.rfft2(padded, s=size)[:, None]  # (B, 1, C, ...)
    kernel_spectrum = torch.fft.rfft2(kernels, s=size)  # (B, R, C, ...)
    product = (spectrum * kernel_spectrum.conj()).sum(dim=2)
    scores = torch.fft.irfft2(product, s=size)[..., :h, :w]
    return scores / math.sqrt(c * s * s)


def _fast_size(n: int) -> int:
    """The smallest m >= n whose only prime factors are 2, 3 and 5 (fast FFT lengths)."""
    m = n
    while True:
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        if k == 1:
            return m
        m += 1
