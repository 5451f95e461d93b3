"""The policy learns: a few steps on a tiny dataset lower the loss, a checkpoint reloads to the
same predictions, the agent turns predictions into poses, language reaches the decoder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, default_collate

from gensim.errors import UsageError
from gensim.policies.agent import PolicyAgent, load_policy
from gensim.policies.config import PolicyConfig
from gensim.policies.transporter import TransporterPolicy


def _batch(samples: list[dict[str, Any]]) -> dict[str, Any]:
    return default_collate(samples)


def test_loss_decreases_on_a_fixed_batch(toy_samples: list[dict[str, Any]], tiny: dict[str, Any]) -> None:
    torch.manual_seed(0)
    policy = TransporterPolicy(tiny)
    optimiser = policy.configure_optimizers()
    batch = _batch(toy_samples[:2])
    losses = []
    for _ in range(8):
        loss = policy.losses(batch)["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    assert np.isfinite(losses).all()
    assert np.mean(losses[-3:]) < 0.8 * np.mean(losses[:3])


def test_checkpoint_reloads_to_the_same_predictions(
    toy_samples: list[dict[str, Any]], tmp_path: Path, tiny: dict[str, Any],
) -> None:
    import lightning.pytorch as pl

    torch.manual_seed(0)
    policy = TransporterPolicy(tiny)
    trainer = pl.Trainer(max_steps=3, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(policy, train_dataloaders=DataLoader(toy_samples, batch_size=2))
    path = tmp_path / "toy.ckpt"
    trainer.save_checkpoint(path)
    reloaded = load_policy(path)
    assert reloaded.config == policy.config
    batch = _batch(toy_samples)
    policy.eval()
    before = policy.predict(batch["color"], batch["height"], batch["lang"])
    after = reloaded.predict(batch["color"], batch["height"], batch["lang"])
    assert before == after
    for name, tensor in policy.state_dict().items():
        assert torch.equal(tensor, reloaded.state_dict()[name]), name
    with pytest.raises(UsageError):
        load_policy(tmp_path / "missing.ckpt")


def test_predictions_are_in_range_and_become_poses(toy_samples: list[dict[str, Any]], tiny: dict[str, Any]) -> None:
    policy = TransporterPolicy(tiny)
    sample = toy_samples[0]
    obs = {"color": sample["color"].permute(1, 2, 0).numpy(), "height": sample["height"][0].numpy()}
    agent = PolicyAgent(policy)
    action = agent.act(obs, {"lang_goal": sample["lang"]})
    assert agent.last is not None
    (pick_u, pick_v), (place_u, place_v), theta = agent.last
    assert 0 <= pick_u < 320 and 0 <= place_u < 320 and 0 <= pick_v < 160 and 0 <= place_v < 160
    assert 0 <= theta < 36
    assert pick_u % 4 == 2 and pick_v % 4 == 2  # the centre of a stride-4 cell
    (xyz0, quat0), (xyz1, quat1) = action["pose0"], action["pose1"]
    assert len(xyz0) == 3 and len(quat1) == 4 and quat0 == (0.0, 0.0, 0.0, 1.0)
    assert 0.25 <= xyz0[0] <= 0.75 and -0.5 <= xyz1[1] <= 0.5


def test_policy_settings_are_checked(tiny: dict[str, Any]) -> None:
    with pytest.raises(UsageError, match="unknown policy setting"):
        PolicyConfig.from_dict({"widht": 3})
    with pytest.raises(UsageError, match="stride"):
        PolicyConfig(stride=3)
    separate = TransporterPolicy({**tiny, "shared_trunk": False})
    assert {"pick_net", "key_net", "query_net"} <= {n for n, _ in separate.named_children()}


def test_language_reaches_the_decoder_and_embeddings_are_cached(
    toy_samples: list[dict[str, Any]], tiny: dict[str, Any],
) -> None:
    """With language on, FiLM layers get gradients and different instructions give different
    pick scores once they are trained; each instruction is embedded once."""
    torch.manual_seed(0)
    policy = TransporterPolicy({**tiny, "language": True})
    for i, sample in enumerate(toy_samples):
        sample["lang"] = f"instruction {i % 2}"
    batch = _batch(toy_samples)
    optimiser = policy.configure_optimizers()
    for _ in range(3):
        loss = policy.losses(batch)["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    film = [m for n, m in policy.named_modules() if n.endswith("proj")]
    assert film and any(float(m.weight.detach().abs().sum()) > 0 for m in film)
    assert policy.text_encoder is not None and policy.text_encoder.cached >= 2
    image = policy._image(batch["color"][:1], batch["height"][:1])
    a = policy.features(image, policy._lang(["instruction 0"]))[0]
    b = policy.features(image, policy._lang(["instruction 1"]))[0]
    assert not torch.allclose(a, b)
