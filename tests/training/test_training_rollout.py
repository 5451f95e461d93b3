"""Policy rollouts in the simulator: in this process for built-in tasks, in the sandbox for
task code (slow: the child imports torch and pybullet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gensim.training.rollout import Outcome, play, play_sandboxed, rollouts, summary

TINY = {"language": False, "width": 4, "levels": 2, "stride": 4, "feature_dim": 4, "crop_size": 32}
BUILTIN = {"task": "block-insertion", "origin": "builtin", "code": None,
           "entry_point": "gensim.tasks.builtin.block_insertion:BlockInsertion"}


def _checkpoint(tmp_path: Path) -> Path:
    import lightning.pytorch as pl
    import torch

    from gensim.policies.transporter import TransporterPolicy

    torch.manual_seed(0)
    trainer = pl.Trainer(max_steps=0, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.strategy.connect(TransporterPolicy(TINY))
    path = tmp_path / "tiny.ckpt"
    trainer.save_checkpoint(path)
    return path


def test_summary_of_outcomes() -> None:
    outcomes = [Outcome(1, True, 1.0, 1, 0.1), Outcome(3, False, 0.25, 3, 0.1)]
    assert summary(outcomes) == {"success_rate": 0.5, "mean_reward": 0.625, "episodes": 2}
    assert summary([]) == {"success_rate": 0.0, "mean_reward": 0.0, "episodes": 0}


def test_builtin_rollout_in_process_with_frames(tmp_path: Path) -> None:
    from gensim.policies.agent import PolicyAgent

    agent = PolicyAgent.from_checkpoint(_checkpoint(tmp_path))
    (outcome,) = rollouts(agent, None, BUILTIN, [10001], split="test", render=[10001])
    assert outcome.error is None and outcome.seed == 10001
    assert 1 <= outcome.steps <= 3
    # after reset, during each action's motion (8 frames per simulated second) and after it
    assert len(outcome.frames) > 2 * outcome.steps + 1 and outcome.frames[0].shape == (320, 160, 3)
    assert outcome.instruction  # the caption of its GIF


@pytest.mark.slow
def test_task_code_rolls_out_in_the_sandbox(tmp_path: Path) -> None:
    """A task given as code (a convention file, as generated tasks are) plays in a sandboxed
    child with the same result as playing the same (here trusted) code in this process."""
    from gensim.policies.agent import PolicyAgent

    code = (Path(__file__).resolve().parents[1] / "fixtures/convention/"
            "place_red_block_in_green_bowl.py").read_text()
    fields = {"task": "place-red-block-in-green-bowl", "origin": "generated", "code": code,
              "entry_point": ""}
    checkpoint = _checkpoint(tmp_path)
    (sandboxed,) = play_sandboxed(checkpoint, fields, [10001], split="test", render=[10001])
    assert sandboxed.error is None, sandboxed.error
    assert sandboxed.frames and sandboxed.frames[0].shape == (320, 160, 3)
    agent = PolicyAgent.from_checkpoint(checkpoint)
    (local,) = play(agent, fields, [10001], split="test")
    assert (sandboxed.steps, sandboxed.reward) == (local.steps, local.reward)
    assert sandboxed.success == local.success and not sandboxed.warnings  # the replay agreed
    with pytest.raises(ValueError, match="sandbox"):
        rollouts(agent, None, fields, [10001])


@pytest.mark.slow
def test_forged_reward_is_not_a_rollout_success(tmp_path: Path) -> None:
    """A task whose reward() claims success after any action: the trusted replay of the played
    actions judges the rollout (not a success), and the outcome says the two disagreed."""
    code = (Path(__file__).resolve().parents[1] / "fixtures/replay/"
            "forged_red_block_in_green_bowl.py").read_text()
    fields = {"task": "forged-red-block", "origin": "generated", "code": code, "entry_point": ""}
    (outcome,) = play_sandboxed(_checkpoint(tmp_path), fields, [10001], split="test")
    assert outcome.error is None, outcome.error
    assert outcome.steps == 1 and not outcome.success and outcome.reward < 0.99
    assert "the task's own reward totals 1.00" in outcome.warnings[0]
    assert summary([outcome])["success_rate"] == 0.0 and summary([outcome])["replay_disagreements"] == 1


@pytest.mark.slow
def test_rollouts_of_one_checkpoint_share_a_warm_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """torch and the policy's modules are imported once per checkpoint and process (a warm
    sandbox with the checkpoint's copy bound read-only, no writable folder); each call still gets
    a fresh child, and the same outcome as a cold sandbox."""
    from gensim.config import get_settings
    from gensim.sandbox import pool

    code = (Path(__file__).resolve().parents[1] / "fixtures/convention/"
            "place_red_block_in_green_bowl.py").read_text()
    fields = {"task": "place-red-block-in-green-bowl", "origin": "generated", "code": code, "entry_point": ""}
    checkpoint = _checkpoint(tmp_path)

    def servers() -> list[int]:
        return [box.proc.pid for key, boxes in pool._idle.items() for box in boxes
                if key.module == "gensim.training.sandbox_job"]

    pool.shutdown()
    try:
        (first,) = play_sandboxed(checkpoint, fields, [10001], split="test")
        assert first.error is None, first.error
        kept = servers()
        assert len(kept) == 1
        (second,) = play_sandboxed(checkpoint, fields, [10001], split="test")
        assert servers() == kept  # the same sandbox played it
        monkeypatch.setenv("GENSIM_SANDBOX_WARM", "false")
        get_settings.cache_clear()
        (cold,) = play_sandboxed(checkpoint, fields, [10001], split="test")
    finally:
        get_settings.cache_clear()
        pool.shutdown()
    same = [(o.steps, o.reward, o.success, o.error, o.warnings) for o in (first, second, cold)]
    assert same[0] == same[1] == same[2], same
