"""`gensim train --resume`: a training stopped mid-epoch and resumed from its last checkpoint
ends with exactly the weights of the same training run without a stop, and its MLflow run holds
the same metric history (every step's losses and every validation, also those before the
resume); tiny model, CPU."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gensim import interrupts
from gensim.errors import UsageError
from gensim.interrupts import Interrupted
from gensim.training.config import TrainConfig


def _toy(max_steps: int = 9) -> TrainConfig:
    return TrainConfig(tasks=["block-insertion"], demos=2, max_steps=max_steps, val_interval=3, val_episodes=0,
                       batch_size=1, log_every=1, seed=3, cpu_threads=1,
                       policy={"language": False, "width": 4, "levels": 2, "stride": 4, "feature_dim": 4,
                               "crop_size": 32})


def _weights(path: str | Path) -> dict[str, Any]:
    import torch

    return torch.load(path, map_location="cpu", weights_only=False)["state_dict"]  # type: ignore[no-any-return]


@pytest.fixture
def signal_handlers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The console script's SIGINT handling in this process, put back as it was afterwards
    (Lightning also leaves SIGINT ignored after an interrupt)."""
    saved = {sig: signal.getsignal(sig) for sig in interrupts.SIGNALS}
    monkeypatch.setattr(interrupts, "_state", {"signal": None, "installed": False, "started": True})
    interrupts.install()
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


TIMED = ("val/seconds", "final/seconds", "final/samples_per_second")  # differ between any two runs


def _history(run_id: str | None) -> dict[str, list[tuple[int, float]]]:
    """Every metric's (step, value) points in the run, less the wall-clock ones."""
    from gensim.tracking import get_tracker

    client = get_tracker().client
    keys = [k for k in client.get_run(run_id).data.metrics if k not in TIMED and not k.startswith("system/")]
    return {k: sorted((m.step, round(m.value, 6)) for m in client.get_metric_history(run_id, k)) for k in keys}


def _stop_at(step: int):  # noqa: ANN202 - a progress callback
    def progress(event: dict[str, Any]) -> None:
        if event["step"] == step:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, handled as the console script does
    return progress


@pytest.mark.slow  # three toy trainings (20-60 s here)
def test_resumed_training_ends_with_the_weights_of_an_uninterrupted_one(gensim_home: Path,
                                                                        signal_handlers: None) -> None:
    import torch

    from gensim.training.train import train

    with pytest.raises(UsageError, match="nothing to resume"):
        train(_toy(), track=False, resume=True)
    # Tracked as the command tracks (deferred; GENSIM_TRACKING_SYNC=1 logs before returning).
    straight = train(_toy(), defer_tracking=True)
    with pytest.raises(Interrupted, match=r"stopped at step 5 of 9; checkpoint of step 3 kept in .*--resume"):
        train(_toy(), defer_tracking=True, progress=_stop_at(5))  # 2 samples a batch each: step 3 is mid-epoch
    resumed = train(_toy(), defer_tracking=True, resume=True)
    assert resumed.steps == straight.steps == 9
    assert Path(resumed.checkpoint).parent != Path(straight.checkpoint).parent
    assert [h["step"] for h in resumed.val_history] == [h["step"] for h in straight.val_history]
    mine, theirs = _weights(Path(resumed.checkpoint).parent / "last.ckpt"), _weights(
        Path(straight.checkpoint).parent / "last.ckpt")
    assert mine.keys() == theirs.keys()
    assert all(torch.equal(mine[k], theirs[k]) for k in mine)
    history = _history(resumed.run_id)
    assert len(history["train/loss"]) == 9 and [s for s, _ in history["val/success"]] == [3, 6, 9]
    assert history == _history(straight.run_id)  # the points before the resume too, none twice
    with pytest.raises(UsageError, match="nothing to resume"):  # it finished: nothing left
        train(_toy(), track=False, resume=True)
