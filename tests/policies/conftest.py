"""Fixtures of the policy tests: a tiny synthetic pick-and-place dataset with the sample keys of
`gensim.data.dataset` (a bright block to pick, a dark target to place on)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch


def toy_sample(rng: np.random.Generator, lang: str = "put the block on the target") -> dict[str, Any]:
    """One sample: a 16x16 px raised square at the pick pixel, a flat dark square at the place."""
    color = np.full((320, 160, 3), 40, dtype=np.uint8)
    height = np.zeros((320, 160), dtype=np.float32)
    pick = rng.integers([40, 30], [280, 130])
    place = rng.integers([40, 30], [280, 130])
    while np.abs(place - pick).max() < 24:
        place = rng.integers([40, 30], [280, 130])
    color[place[0] - 8: place[0] + 8, place[1] - 8: place[1] + 8] = (10, 200, 10)
    color[pick[0] - 8: pick[0] + 8, pick[1] - 8: pick[1] + 8] = (220, 30, 30)
    height[pick[0] - 8: pick[0] + 8, pick[1] - 8: pick[1] + 8] = 0.04
    return {"color": torch.from_numpy(color.transpose(2, 0, 1).copy()),
            "height": torch.from_numpy(height)[None], "lang": lang,
            "pick_uv": torch.as_tensor(pick, dtype=torch.int64),
            "place_uv": torch.as_tensor(place, dtype=torch.int64),
            "place_theta_bin": int(rng.integers(0, 36)), "task": "toy"}


@pytest.fixture
def toy_samples() -> list[dict[str, Any]]:
    """Four toy samples from a fixed seed."""
    rng = np.random.default_rng(7)
    return [toy_sample(rng) for _ in range(4)]


@pytest.fixture
def tiny() -> dict[str, Any]:
    """Policy settings small enough for a few steps in a test."""
    return {"language": False, "width": 4, "levels": 2, "stride": 4, "feature_dim": 4,
            "crop_size": 32, "lr": 3e-3}


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """One torch thread: on this busy shared machine two spinning OpenMP threads are several
    times slower than one (restored after the test)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
