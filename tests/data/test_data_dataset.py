"""SE(2) augmentation keeps labels on their pixels; the torch Dataset and DataModule give the
documented keys, dtypes and shapes over real episodes of two tasks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from gensim.data.augment import AugmentConfig, augment, se2_matrix, transform_pixels, warp


def _marked_scene(pick: tuple[int, int], place: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """3x3 marks: nearest-neighbour resampling moves a single pixel by up to one pixel."""
    color = np.zeros((320, 160, 3), np.uint8)
    height = np.zeros((320, 160), np.float32)
    for (u, v), rgb, z in ((pick, (255, 0, 0), 0.04), (place, (0, 0, 255), 0.02)):
        color[u - 1:u + 2, v - 1:v + 2] = rgb
        height[u - 1:u + 2, v - 1:v + 2] = z
    return color, height


def test_identity_and_quarter_turn() -> None:
    image = np.arange(320 * 160, dtype=np.float32).reshape(320, 160)
    np.testing.assert_array_equal(warp(image, se2_matrix(0.0, (0.0, 0.0), (320, 160))), image)
    square = np.arange(25, dtype=np.float32).reshape(5, 5)
    turned = warp(square, se2_matrix(math.pi / 2, (0.0, 0.0), (5, 5)))
    np.testing.assert_array_equal(turned, np.rot90(square, k=1))  # +90 about the centre in (u, v)
    assert transform_pixels(np.array([[0, 0]]), se2_matrix(math.pi / 2, (0, 0), (5, 5))).tolist() == [[4, 0]]


@pytest.mark.parametrize("seed", range(12))
def test_labels_follow_the_pixels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pick = (int(rng.integers(40, 280)), int(rng.integers(20, 140)))
    place = (int(rng.integers(40, 280)), int(rng.integers(20, 140)))
    color, height = _marked_scene(pick, place)
    out_color, out_height, new_pick, new_place = augment(
        color, height, np.array(pick), np.array(place), rng, AugmentConfig(max_shift_px=20))
    assert tuple(out_color[tuple(new_pick)]) == (255, 0, 0)
    assert tuple(out_color[tuple(new_place)]) == (0, 0, 255)
    assert out_height[tuple(new_pick)] == pytest.approx(0.04)
    assert out_height[tuple(new_place)] == pytest.approx(0.02)
    assert (new_pick != np.array(pick)).any() or (new_place != np.array(place)).any()


def test_dataset_samples_and_datamodule_batches(insertion_dir: Path, pyramid_dir: Path) -> None:
    import torch

    from gensim.data.dataset import DemoDataModule, PickPlaceDataset

    dataset = PickPlaceDataset([insertion_dir, pyramid_dir])
    assert len(dataset) == 2 + 6 and dataset.tasks() == ["block-insertion", "stack-block-pyramid-seq-seen-colors"]
    sample = dataset[2]
    assert sample["color"].dtype == torch.uint8 and sample["color"].shape == (3, 320, 160)
    assert sample["height"].dtype == torch.float32 and sample["height"].shape == (1, 320, 160)
    assert sample["pick_uv"].dtype == torch.int64 and sample["pick_uv"].shape == (2,)
    assert 0 <= sample["place_theta_bin"] < 36 and isinstance(sample["lang"], str)
    assert sample["task"] == "stack-block-pyramid-seq-seen-colors" and sample["step"] == 0
    goals = [dataset[i]["lang"] for i in range(2, 8)]
    assert len(set(goals)) == 6  # a sequential task: a new instruction for every action
    u, v = sample["pick_uv"].tolist()
    assert sample["height"][0, u, v] > 0.01  # the expert picks on top of a block

    module = DemoDataModule([insertion_dir, pyramid_dir], [insertion_dir], batch_size=4, seed=3)
    module.setup("fit")
    batch = next(iter(module.train_dataloader()))
    assert batch["color"].shape == (4, 3, 320, 160) and batch["height"].shape == (4, 1, 320, 160)
    assert batch["pick_uv"].shape == (4, 2) and batch["place_uv"].shape == (4, 2)
    assert batch["place_theta_bin"].shape == (4,) and len(batch["lang"]) == 4 and len(batch["task"]) == 4
    for i in range(4):  # augmented labels still point at something above the table
        u, v = batch["pick_uv"][i].tolist()
        assert batch["height"][i, 0, u, v] > 0.005
    val = next(iter(module.val_dataloader()))
    assert val["color"].shape[0] == 2
