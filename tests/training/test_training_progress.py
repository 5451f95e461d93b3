"""Progress of long commands: the bar (rate, a clock that starts with the work), the per-step
events of training under a real Lightning trainer, the stderr filter of `--quiet`, and (slow)
`gensim train` / `gensim eval` through the CLI: bar and lines on stderr, final tables, a silent
`--quiet --json`, and the training-curve artifact."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gensim.progress import ProgressBar, rate_text


def test_rate_text_per_second_or_seconds_per_item() -> None:
    assert rate_text(12.34) == "12.3/s" and rate_text(1.0) == "1.0/s"
    assert rate_text(0.25) == "4.0 s each"
    assert rate_text(None) == "" and rate_text(0.0) == ""


def _plain(text: str) -> str:
    """Terminal output without its escape sequences."""
    import re

    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def test_bar_clock_starts_with_the_first_move(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))  # the live bar
    with ProgressBar("train", 4, unit="steps", started=False) as bar:
        bar.lines("making 2 train demos of [x] v1")  # no markup: brackets stay
    idle = _plain(capsys.readouterr().err)
    assert "making 2 train demos of [x] v1" in idle
    assert "0/4 steps" in idle and "-:--:--" in idle  # never moved: no elapsed time, no ETA
    with ProgressBar("train", 4, unit="steps", started=False) as bar:
        for step in range(1, 5):
            bar.update(step, f"loss {1.0 / step:.3f}")
    done = _plain(capsys.readouterr().err)
    # elapsed time shown as h:mm:ss (its value depends on the machine's load, not checked)
    assert "4/4 steps" in done and "loss 0.250" in done and re.search(r"\d+:\d\d:\d\d", done)
    with ProgressBar("hidden", 3, enabled=False) as bar:
        bar.update(2, "note")
        bar.lines("not shown")
    assert capsys.readouterr().err == "" and bar.console is None


def test_bar_is_plain_lines_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """In a log file a live bar would show nothing until the end: lines every interval instead."""
    with ProgressBar("train", 40, unit="steps", started=False, line_interval=3600) as bar:
        bar.lines("making 2 train demos of [x] v1")
        for step in range(1, 41):
            bar.update(step, f"loss {1.0 / step:.3f}")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "making 2 train demos of [x] v1"
    # the first move prints a line, the interval holds back the rest, the close prints the last
    assert len(lines) == 3 and lines[1].startswith("train  1/40 steps  loss 1.000")
    assert lines[2].startswith("train  40/40 steps") and "loss 0.025" in lines[2]
    with ProgressBar("eval", 2, unit="episodes", line_interval=0) as bar:
        bar.update(1, "1/1 succeeded")
        bar.update(2, "1/2 succeeded")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and "2/2 episodes" in lines[-1] and "1/2 succeeded" in lines[-1]


class _Toy:
    """A one-weight regression as a LightningModule (built lazily: lightning is heavy)."""

    @staticmethod
    def make() -> Any:
        import lightning.pytorch as pl
        import torch

        class Toy(pl.LightningModule):
            def __init__(self) -> None:
                super().__init__()
                self.weight = torch.nn.Parameter(torch.zeros(1))

            def training_step(self, batch: Any, batch_idx: int) -> Any:
                x, y = batch
                return {"loss": ((self.weight * x - y) ** 2).mean()}

            def configure_optimizers(self) -> Any:
                return torch.optim.SGD(self.parameters(), lr=0.05)

        return Toy()


def test_progress_events_after_every_step_with_the_last_validation(tmp_path: Path) -> None:
    import lightning.pytorch as pl
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from gensim.training.callbacks import ProgressEvents, ValidationRollouts

    x = torch.linspace(0.5, 1.0, 4).repeat(4)  # four identical batches: the loss falls
    loader = DataLoader(TensorDataset(x, 3 * x), batch_size=4)
    validation = ValidationRollouts([], tmp_path, interval=3, episodes=0)  # no tasks: mean 0.0
    events: list[dict[str, Any]] = []
    progress = ProgressEvents(events.append, validation, window=2)
    trainer = pl.Trainer(max_steps=6, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False,
                         callbacks=[validation, progress], accelerator="cpu", devices=1)
    trainer.fit(_Toy.make(), train_dataloaders=loader)
    # the last validation runs as training ends, after step 6's event: one more event shows it
    assert [e["step"] for e in events] == [1, 2, 3, 4, 5, 6, 6]
    assert {e["max_steps"] for e in events} == {6}
    assert [e["val_success"] for e in events] == [None, None, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert [s for s, _ in progress.losses] == [1, 2, 3, 4, 5, 6]
    losses = [v for _, v in progress.losses]
    assert events[-1]["loss"] == pytest.approx((losses[-1] + losses[-2]) / 2)
    assert events[0]["loss"] == pytest.approx(losses[0])
    assert losses[-1] < losses[0]  # the toy learns: these are the real losses
    assert [h[0] for h in validation.history] == [3, 6] and validation.best_path.is_file()


def test_progress_ends_on_the_last_validation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bar's last note is the last validation's success, not the one before (it lagged one
    validation behind: the last validation runs after the last step's event)."""
    import lightning.pytorch as pl
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from gensim.training.callbacks import ProgressEvents, ValidationRollouts

    class Scored(ValidationRollouts):
        """A validation whose success is step / 10 (no rollouts): each one differs."""

        def validate(self, trainer: Any, pl_module: Any) -> None:
            step = int(trainer.global_step)
            self.last_step = step
            self.history.append((step, {"toy": step / 10}, step / 10))

    x = torch.linspace(0.5, 1.0, 4).repeat(4)
    loader = DataLoader(TensorDataset(x, 3 * x), batch_size=4)
    validation = Scored([], tmp_path, interval=3, episodes=0)
    events: list[dict[str, Any]] = []
    with ProgressBar("train", 6, unit="steps", started=False, line_interval=3600) as bar:

        def on_step(event: dict[str, Any]) -> None:  # as `gensim train` draws its bar
            events.append(event)
            bar.update(event["step"], f"val {event['val_success']}", total=event["max_steps"])

        trainer = pl.Trainer(max_steps=6, logger=False, enable_checkpointing=False,
                             enable_progress_bar=False, enable_model_summary=False,
                             callbacks=[validation, ProgressEvents(on_step, validation)],
                             accelerator="cpu", devices=1)
        trainer.fit(_Toy.make(), train_dataloaders=loader)
    assert [h[2] for h in validation.history] == [0.3, 0.6]
    assert events[-1]["step"] == 6 and events[-1]["val_success"] == 0.6
    last = capsys.readouterr().err.splitlines()[-1]  # the bar's closing line
    assert "6/6 steps" in last and "val 0.6" in last


def test_quiet_filter_drops_native_banners_of_this_process_and_its_children(
        capfd: pytest.CaptureFixture[str]) -> None:
    from gensim.cli.common import native_stderr_filtered

    with native_stderr_filtered():
        os.write(2, b"pybullet build time: Jan 29 2025\n")
        subprocess.run([sys.executable, "-c", "import os; os.write(2, b'pybullet build time: x\\n"
                        "a warning that matters\\n')"], check=True)
        os.write(2, b"error: kept\n")
        assert capfd.readouterr().err == ""  # held until the end
    assert capfd.readouterr().err == "a warning that matters\nerror: kept\n"


TOY = ["--tasks", "block-insertion", "--demos", "2", "--max-steps", "4", "--val-episodes", "1",
       "--val-interval", "2", "--no-language", "--batch-size", "1", "--cpu-threads", "1"]


def _toy_recipe(tmp_path: Path) -> Path:
    recipe = tmp_path / "toy.yaml"
    recipe.write_text("log_every: 1\npolicy: {width: 4, levels: 2, stride: 4, feature_dim: 4, crop_size: 32}\n")
    return recipe


@pytest.mark.slow
def test_train_and_eval_cli_bar_table_curve(gensim_home: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from gensim.cli.main import app
    from gensim.tracking import get_tracker

    runner = CliRunner()
    result = runner.invoke(app, ["train", *TOY, "--config", str(_toy_recipe(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "4/4 steps" in result.stderr and "loss " in result.stderr  # the bar's last state
    assert "making 2 train demos of block-insertion" in result.stderr  # lines above the bar
    assert result.stderr.count("validation success") == 2  # steps 2 and 4
    assert "val success, best" in result.stdout and "block-insertion" in result.stdout  # the table
    curve = next(line.split()[-1] for line in result.stdout.splitlines() if line.startswith("training curve"))
    checkpoint = next(line.split()[-1] for line in result.stdout.splitlines() if line.startswith("model "))
    assert Path(curve).is_file() and Path(curve).parent == Path(checkpoint).parent
    link = next(line.split()[2] for line in result.stdout.splitlines() if line.startswith("MLflow run"))
    run_id = re.search(r"/runs/([0-9a-f]+)\?", link).group(1)  # type: ignore[union-attr]
    model = next(line.split()[1] for line in result.stdout.splitlines() if line.startswith("model "))
    client: Any = get_tracker().client
    assert [a.path for a in client.list_artifacts(run_id, "plots")] == ["plots/training_curve.png"]

    result = runner.invoke(app, ["eval", "--model", model, "--tasks", "block-insertion",
                                 "--episodes", "2", "--gif-episodes", "0", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # stdout: one JSON object; bar and table on stderr
    assert doc["results"]["block-insertion"]["episodes"] == 2
    assert "2/2 episodes" in result.stderr and f"evaluation of {model}" in result.stderr
    assert "block-insertion: success" in result.stderr
    artifacts = {a.path for a in client.list_artifacts(doc["mlflow_run_id"])}
    assert "success_per_task.png" in artifacts


@pytest.mark.slow
def test_quiet_json_commands_print_nothing_on_stderr(gensim_home: Path, tmp_path: Path) -> None:
    """The real console script in a child process: stderr (native banners of workers included)
    is empty with --quiet, stdout is one JSON object."""
    gensim = Path(sys.executable).parent / "gensim"
    env = {**os.environ, "GENSIM_HOME": str(gensim_home)}
    train = subprocess.run([str(gensim), "train", *TOY, "--config", str(_toy_recipe(tmp_path)),
                            "--quiet", "--json"], capture_output=True, text=True, env=env, timeout=600)
    assert train.returncode == 0, train.stderr
    assert train.stderr == ""
    model = json.loads(train.stdout)["model"]
    evaluation = subprocess.run([str(gensim), "eval", "--model", model, "--tasks", "block-insertion",
                                 "--episodes", "1", "--gif-episodes", "0", "--quiet", "--json"],
                                capture_output=True, text=True, env=env, timeout=600)
    assert evaluation.returncode == 0, evaluation.stderr
    assert evaluation.stderr == "" and json.loads(evaluation.stdout)["model"] == model
    demos = subprocess.run([str(gensim), "demos", "block-insertion", "-n", "2", "--workers", "2",
                            "--split", "val", "--quiet", "--json"],
                           capture_output=True, text=True, env=env, timeout=600)
    assert demos.returncode == 0, demos.stderr
    assert demos.stderr == "" and json.loads(demos.stdout)["episodes"] == 2
