"""The transport operation: crops, rotations in the world's sense, FFT correlation."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gensim.policies.networks import correlate, crop_at, rotate, rotation_angles


def test_rotation_turns_plus_x_towards_plus_y() -> None:
    """Columns are x and rows are y: a counter-clockwise yaw of 90 degrees takes +x to +y."""
    image = torch.zeros(1, 1, 33, 33)
    image[0, 0, 16, 26] = 1.0  # 10 px along +x (column) from the centre
    turned = rotate(image, torch.tensor([math.pi / 2]))
    row, col = divmod(int(turned.flatten().argmax()), 33)
    assert (row, col) == (26, 16)  # now 10 px along +y (row)
    same = rotate(image, torch.tensor([0.0]))
    assert torch.allclose(same, image, atol=1e-6)


def test_fft_correlation_equals_direct_convolution() -> None:
    torch.manual_seed(0)
    keys, kernels = torch.randn(2, 3, 21, 13), torch.randn(2, 4, 3, 6, 6)
    expected = torch.cat([F.conv2d(F.pad(keys[b: b + 1], (3, 2, 3, 2)), kernels[b])
                          for b in range(2)]) / math.sqrt(3 * 36)
    assert torch.allclose(correlate(keys, kernels), expected, atol=1e-4)


def test_crop_is_centred_on_the_pixel_even_at_the_border() -> None:
    features = torch.zeros(2, 1, 40, 20)
    features[0, 0, 10, 5] = 1.0
    features[1, 0, 0, 19] = 1.0
    crops = crop_at(features, torch.tensor([[10, 5], [0, 19]]), 9)
    assert crops.shape == (2, 1, 9, 9)
    assert crops[0, 0, 4, 4] == 1.0 and crops[1, 0, 4, 4] == 1.0
    assert crops.sum() == 2.0


def test_transport_finds_the_place_and_the_rotation() -> None:
    """An asymmetric pattern cropped at the pick and turned into every bin matches the scene
    where the same pattern lies turned by bin 9 (90 degrees): argmax = (bin 9, its centre)."""
    pattern = torch.zeros(1, 1, 17, 17)
    pattern[0, 0, 8, 8:15] = 1.0  # an arm along +x ...
    pattern[0, 0, 8:12, 8] = 1.0  # ... and a shorter one along +y
    before = torch.zeros(1, 1, 64, 48)
    before[:, :, 2:19, 2:19] = pattern  # picked here, centre (10, 10)
    after = torch.zeros(1, 1, 64, 48)
    after[:, :, 36:53, 20:37] = rotate(pattern, torch.tensor([math.pi / 2])).round()  # centre (44, 28)
    bins = 36
    crop = crop_at(before, torch.tensor([[10, 10]]), 17)
    assert torch.equal(crop, pattern)
    turned = rotate(crop.repeat(bins, 1, 1, 1), rotation_angles(bins))
    scores = correlate(after, turned[None])
    theta, rest = divmod(int(scores.flatten().argmax()), 64 * 48)
    assert theta == 9
    assert divmod(rest, 48) == (44, 28)
