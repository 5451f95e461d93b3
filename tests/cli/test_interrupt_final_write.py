"""A Ctrl-C that lands during a command's final writes loses and corrupts nothing stored: the
console script runs in a child whose write path is wrapped to send the child a real SIGINT at
that moment (a torn manifest line, inside the task DB's transaction, while an evaluation plays),
then the stored state is checked and the rerun completes it."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Run the console script with one function wrapped: `ARM` decides when its call sends SIGINT.
_WRAP = """
import os, signal, sys
sys.argv = ['gensim', *sys.argv[1:]]
{patch}
from gensim.cli.main import run
run()
"""

# The second manifest line is torn (half of it written, as by a kill mid-write), then SIGINT.
TORN_MANIFEST = """
import gensim.data.writer as writer
from gensim.data.manifest import MANIFEST
real = writer.append_entry
calls = []
def append_entry(root, entry):
    calls.append(1)
    if len(calls) == 2:
        import json
        line = json.dumps(entry.to_json(), sort_keys=True)
        with open(root / MANIFEST, 'ab') as fh:
            fh.write(line[: len(line) // 2].encode())
        os.kill(os.getpid(), signal.SIGINT)
    return real(root, entry)
writer.append_entry = append_entry
"""

# SIGINT inside the transaction that records the dataset row.
IN_DB_COMMIT = """
from gensim.db import models
real = models.Dataset.__init__
def init(self, *args, **kwargs):
    real(self, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGINT)
models.Dataset.__init__ = init
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_", "AZURE_"))}
    env.update(GENSIM_HOME=str(home), GENSIM_MLFLOW_TRACKING_URI=f"sqlite:///{home / 'mlflow.db'}",
               GENSIM_MLFLOW_ARTIFACT_ROOT=(home / "artifacts").as_uri(), PYTHONPATH=str(ROOT))
    return env


def _default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background test run inherits SIGINT ignored
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _gensim(home: Path, *args: str, patch: str = "") -> subprocess.CompletedProcess[str]:
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-c", _WRAP.format(patch=patch), *args], env=_env(home),
                          capture_output=True, text=True, timeout=900, start_new_session=True,
                          preexec_fn=_default_signals, check=False)


def _interrupt_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 130, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("interrupted")]
    assert len(lines) == 1, proc.stderr[-3000:]
    return lines[0]


def _db_ok(home: Path) -> list[tuple[str, int]]:
    """The DB passes SQLite's integrity check; its dataset rows (name, episodes)."""
    con = sqlite3.connect(home / "gensim.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return [(str(n), int(e)) for n, e in con.execute("SELECT name, n_episodes FROM dataset")]
    finally:
        con.close()


@pytest.mark.slow  # two demos commands each (10-40 s here)
@pytest.mark.parametrize("patch", [TORN_MANIFEST, IN_DB_COMMIT], ids=["torn-manifest-line", "in-db-commit"])
def test_demos_interrupted_in_a_final_write_keeps_everything(tmp_path: Path, patch: str) -> None:
    from gensim.data.manifest import check_dataset, read_manifest
    from gensim.data.writer import dataset_digest

    home = tmp_path / "home"
    line = _interrupt_line(_gensim(home, "demos", "block-insertion", "-n", "3", "--quiet", patch=patch))
    kept = int(re.search(r"(\d+) of 3 episodes kept", line).group(1))  # type: ignore[union-attr]
    root = home / "datasets" / "block-insertion" / "v1" / "train"
    assert len(list((root / "episodes").glob("*.npz"))) == kept >= 2
    assert not [p for p in check_dataset(root) if p.bad]  # the torn line is not taken for data
    assert _db_ok(home) == []  # the row's transaction was rolled back whole (or never began)

    rerun = _gensim(home, "demos", "block-insertion", "-n", "3", "--json", "--quiet")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    report = json.loads(rerun.stdout)
    assert report["episodes"] == 3 and report["new_episodes"] == 3 - kept
    assert not [p for p in check_dataset(root) if p.bad or p.kind == "unrecorded"]
    assert len(read_manifest(root)) == 3 and report["digest"] == dataset_digest(root)
    assert _db_ok(home) == [("block-insertion-v1-train", 3)]


@pytest.mark.slow  # a toy training, then an evaluation (30-90 s here)
def test_eval_interrupted_says_what_it_measured_and_keeps_it(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from gensim.config import get_settings
    from gensim.training.config import TrainConfig
    from gensim.training.train import train

    home = tmp_path / "home"
    for key, value in _env(home).items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    toy = TrainConfig(tasks=["block-insertion"], demos=1, max_steps=1, val_episodes=0, cpu_threads=1,
                      policy={"language": False, "width": 4, "levels": 2, "stride": 4, "feature_dim": 4,
                              "crop_size": 32})
    checkpoint = train(toy, track=False).checkpoint
    get_settings.cache_clear()
    third_episode = """
import gensim.training.evaluate as evaluate
real = evaluate.rollouts
played = []
def rollouts(*args, **kwargs):
    played.append(1)
    if len(played) == 3:
        os.kill(os.getpid(), signal.SIGINT)
    return real(*args, **kwargs)
evaluate.rollouts = rollouts
"""
    proc = _gensim(home, "eval", "--model", checkpoint, "--tasks", "block-insertion", "--episodes", "5",
                   "--gif-episodes", "0", patch=third_episode)
    line = _interrupt_line(proc)
    assert re.search(r"evaluation of \S+ stopped after 2 of 5 episodes \(block-insertion [0-2]/2 succeeded\); "
                     r"kept in (the MLflow run http\S+ \(KILLED\)|the home's MLflow outbox \(`gensim runs sync` "
                     r"logs it\)); the checkpoint's metrics are unchanged", line), line
    sync = _gensim(home, "runs", "sync", "--json")  # logs the record (or waits for its writer)
    assert sync.returncode == 0, sync.stderr
    code = ("import json, mlflow; c = mlflow.tracking.MlflowClient(); e = c.get_experiment_by_name('gensim/eval'); "
            "r = c.search_runs([e.experiment_id])[0]; print(json.dumps([r.info.status, r.data.metrics]))")
    env = _env(home) | {"MLFLOW_TRACKING_URI": f"sqlite:///{home / 'mlflow.db'}"}
    status, metrics = json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                                text=True, check=True, timeout=300).stdout.splitlines()[-1])
    assert status == "KILLED" and metrics["episodes/block-insertion"] == 2
