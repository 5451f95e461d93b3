"""Policy rollouts in the simulator: in this process for built-in tasks, in the sandbox for
task code (slow: the child imports torch and pybullet)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gensim.training.rollout import Outcome, _task, play, play_sandboxed, rollouts, summary

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

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


def test_evaluation_plays_a_checkpoint_without_lightning(tmp_path: Path, gensim_home: Path) -> None:
    """`gensim eval`'s library call loads the policy as a plain torch network: Lightning (with
    torchmetrics, transformers and scipy, several seconds of CPU) is not imported, and the
    checkpoint's weights are the network's."""
    import os
    import subprocess
    import sys

    import torch

    from gensim.policies.agent import load_policy
    from gensim.policies.transporter import TransporterPolicy

    checkpoint = _checkpoint(tmp_path)
    trained = torch.load(checkpoint, map_location="cpu", weights_only=False)["state_dict"]
    loaded = load_policy(checkpoint)
    assert not isinstance(loaded, TransporterPolicy)
    assert all(torch.equal(trained[k], v) for k, v in loaded.state_dict().items())
    assert set(loaded.state_dict()) == set(trained)
    script = ("import sys\n"
              "from gensim.training.evaluate import evaluate\n"
              f"result = evaluate({str(checkpoint)!r}, ['block-insertion'], 1, track=False)\n"
              "assert result.results['block-insertion']['episodes'] == 1\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'lightning', 'torchmetrics'}))\n")
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                           env={**os.environ, "GENSIM_HOME": str(gensim_home)})
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_task_code_rolls_out_in_the_sandbox(tmp_path: Path) -> None:
    """A task given as code (a convention file, as generated tasks are) rolls out in the trusted
    rollout (its child only resets; the policy plays on the replayer's renders) with the same
    result as playing the same (here trusted) code in this process."""
    from gensim.policies.agent import PolicyAgent

    code = (FIXTURES / "convention" / "place_red_block_in_green_bowl.py").read_text()
    fields = {"task": "place-red-block-in-green-bowl", "origin": "generated", "code": code,
              "entry_point": ""}
    checkpoint = _checkpoint(tmp_path)
    (sandboxed,) = play_sandboxed(checkpoint, fields, [10001], split="test", render=[10001])
    assert sandboxed.error is None, sandboxed.error
    assert sandboxed.frames and sandboxed.frames[0].shape == (320, 160, 3)
    agent = PolicyAgent.from_checkpoint(checkpoint)
    (local,) = play(agent, fields, [10001], split="test", render=[10001])
    assert (sandboxed.steps, sandboxed.reward, sandboxed.instruction) == (local.steps, local.reward, local.instruction)
    assert sandboxed.success == local.success
    assert len(sandboxed.frames) == len(local.frames)
    assert all(np.array_equal(a, b) for a, b in zip(sandboxed.frames, local.frames, strict=True))
    with pytest.raises(ValueError, match="sandbox"):
        rollouts(agent, None, fields, [10001])


@pytest.mark.slow
def test_forged_reward_is_not_a_rollout_success(tmp_path: Path) -> None:
    """A task whose reward() claims success after any action: its reward never runs in a
    trusted rollout, the stock reward judges (not a success)."""
    code = (FIXTURES / "replay" / "forged_red_block_in_green_bowl.py").read_text()
    fields = {"task": "forged-red-block", "origin": "generated", "code": code, "entry_point": ""}
    (outcome,) = play_sandboxed(_checkpoint(tmp_path), fields, [10001], split="test")
    assert outcome.error is None, outcome.error
    assert 1 <= outcome.steps <= 3 and not outcome.success and outcome.reward < 0.99
    assert summary([outcome])["success_rate"] == 0.0


@pytest.mark.slow
def test_a_task_cannot_swap_the_policys_actions(tmp_path: Path) -> None:
    """A task that, in its own process, executes (and lets the loop record) its expert's action
    whatever the policy chose, and claims success: played next to the policy, the replay of the
    recorded actions would call it a success; in the trusted rollout the policy's own actions
    are executed and judged, and it is not."""
    from gensim.checking.episodes import episode_record, judge_episodes, recording
    from gensim.policies.agent import PolicyAgent
    from gensim.tasks.episode import run_episode

    code = (FIXTURES / "replay" / "swaps_policy_actions.py").read_text()
    fields = {"task": "swaps-policy-actions", "origin": "generated", "code": code, "entry_point": ""}
    checkpoint = _checkpoint(tmp_path)
    agent = PolicyAgent.from_checkpoint(checkpoint)
    # The rollout as it ran before: the policy beside the task code (trusted here, for the test).
    with recording() as env:
        task = _task(fields, "test")
        result = run_episode(env, task, 10001, policy=agent)
        (before,) = judge_episodes([episode_record(env, 10001, result)])
    assert before.success and agent.last is not None  # the swap works where they share a process
    (outcome,) = play_sandboxed(checkpoint, fields, [10001], split="test")
    assert outcome.error is None, outcome.error
    assert outcome.steps >= 1 and not outcome.success and outcome.reward < 0.99
    assert summary([outcome])["success_rate"] == 0.0


@pytest.mark.slow
def test_rollouts_of_one_checkpoint_share_a_warm_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """torch and the policy's modules are imported once per checkpoint and process (a warm
    sandbox with the checkpoint's copy bound read-only, no writable folder); each call still gets
    a fresh child, and the same outcome as a cold sandbox."""
    from gensim.config import get_settings
    from gensim.sandbox import pool

    code = (FIXTURES / "convention" / "place_red_block_in_green_bowl.py").read_text()
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
    same = [(o.steps, o.reward, o.success, o.error) for o in (first, second, cold)]
    assert same[0] == same[1] == same[2], same
