"""Real SIGINT and SIGTERM sent to the console script (`python -m gensim.cli.main`): one line
says what was kept, exit 130 or 143, no traceback, no process left, stored data intact, and a
rerun resumes. Every test waits for a progress marker on stderr, never for a fixed time."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKER_TIMEOUT_S = 300  # generous: the first start-up on a loaded 2-core machine is slow


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_", "AZURE_"))}
    env.update(GENSIM_HOME=str(home), GENSIM_MLFLOW_TRACKING_URI=f"sqlite:///{home / 'mlflow.db'}",
               GENSIM_MLFLOW_ARTIFACT_ROOT=(home / "artifacts").as_uri(), GENSIM_LLM_PROVIDER="offline",
               PYTHONPATH=str(ROOT))
    return env


def _default_signals() -> None:
    """In the child before exec: SIGINT and SIGTERM as at a terminal. A test run in the
    background (CI under `cmd &`) inherits SIGINT ignored, and an ignored signal stays ignored
    across exec, so the command would never see the interrupt this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class Command:
    """A `gensim` command in its own process group, its stderr read as it comes."""

    def __init__(self, home: Path, args: list[str]) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, "-m", "gensim.cli.main", *args], env=_env(home),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                     preexec_fn=_default_signals)
        self.err = b""
        assert self.proc.stderr is not None
        os.set_blocking(self.proc.stderr.fileno(), False)

    def wait_for(self, pattern: str) -> None:
        """Read stderr until `pattern` (a regex) shows up; fails if the command ends first."""
        assert self.proc.stderr is not None
        end = time.monotonic() + MARKER_TIMEOUT_S
        while not re.search(pattern.encode(), self.err):
            assert time.monotonic() < end, f"no {pattern!r} in time: {self.err.decode()[-2000:]}"
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.5)
            if ready:
                chunk = self.proc.stderr.read()
                if chunk:
                    self.err += chunk
            assert self.proc.poll() is None or re.search(pattern.encode(), self.err), \
                f"ended before {pattern!r}: {self.err.decode()[-2000:]}"

    def interrupt(self, sig: signal.Signals, *, group: bool) -> tuple[int, str]:
        """Send `sig` to the command (or its whole process group, as a terminal's Ctrl-C does);
        its exit code and all its stderr. The processes under the command just before the signal
        are kept in `self.descendants`: each must be gone afterwards, even one in its own session."""
        self.descendants = psutil.Process(self.proc.pid).children(recursive=True)
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)
        assert self.proc.stderr is not None
        os.set_blocking(self.proc.stderr.fileno(), True)
        _, rest = self.proc.communicate(timeout=120)
        return self.proc.returncode, (self.err + rest).decode(errors="replace")


def _processes_in_group(pgid: int) -> list[str]:
    """Live (non-zombie) processes of process group `pgid`, as 'pid cmdline'."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(f"{stat.parent.name} {text[:80]}")
    return alive


def _alive(processes: list[psutil.Process]) -> list[str]:
    """Those of `processes` still running (psutil tells a reused process id by its start time),
    as 'pid cmdline'. Only the command's own processes are looked at: other work on the machine
    (another test run, its sandboxes) never counts."""
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{process.pid} {' '.join(process.cmdline())[:80]}")
        except psutil.NoSuchProcess:
            continue
    return alive


def _assert_clean_interrupt(rc: int, err: str, sig: signal.Signals, cmd: Command, says: str) -> str:
    assert rc == 128 + sig, (rc, err[-3000:])
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
    lines = [line for line in err.splitlines() if line.startswith("interrupted")]
    assert len(lines) == 1, err[-3000:]
    assert re.search(says, lines[0]), lines[0]
    pgid = cmd.proc.pid
    end = time.monotonic() + 10  # the kernel reaps killed processes shortly after
    while (_processes_in_group(pgid) or _alive(cmd.descendants)) and time.monotonic() < end:
        time.sleep(0.1)
    assert not _processes_in_group(pgid), _processes_in_group(pgid)
    assert not _alive(cmd.descendants), _alive(cmd.descendants)  # sandboxes in their own session too
    return lines[0]


def _run_status(home: Path, experiment: str) -> list[str]:
    """Statuses of the runs of `experiment` in the home's MLflow store."""
    code = ("import json, mlflow; c = mlflow.tracking.MlflowClient(); "
            f"e = c.get_experiment_by_name({experiment!r}); "
            "print(json.dumps([r.info.status for r in c.search_runs([e.experiment_id])] if e else []))")
    env = _env(home) | {"MLFLOW_TRACKING_URI": f"sqlite:///{home / 'mlflow.db'}"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    return list(json.loads(out.strip().splitlines()[-1]))


GENERATE = ["generate", "--mode", "bottomup", "--trials", "8", "--seeds", "2", "--workers", "1",
            "--repair-rounds", "0", "--no-media"]


# Slow set: a signal sent at once lands somewhere in the interpreter's start-up, and CPython
# drops a KeyboardInterrupt raised while it runs code whose exceptions it ignores (a weakref
# callback, a finaliser): once in CI the command then ran to its end (exit 0). Not a flake the
# default run may carry; the mid-run tests above and below sync on output instead.
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_generate_interrupted_at_start_up(tmp_path: Path, sig: signal.Signals) -> None:
    """Early: before the command parses its flags (the first progress it shows is the home)."""
    home = tmp_path / "home"
    cmd = Command(home, GENERATE)
    cmd.proc.send_signal(sig)  # at once: during the interpreter's imports
    rc, err = cmd.interrupt(sig, group=False) if cmd.proc.poll() is None else (cmd.proc.wait(), "")
    # A signal before the handler exists kills the interpreter by its default action.
    assert rc in (128 + sig, -sig), (rc, err)
    assert "Traceback" not in err
    assert not _processes_in_group(cmd.proc.pid)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_generate_interrupted_mid_campaign_resumes(tmp_path: Path, sig: signal.Signals) -> None:
    home = tmp_path / "home"
    cmd = Command(home, GENERATE)
    cmd.wait_for(r"\n  \S+: (admitted|rejected)")  # one trial finished and stored
    rc, err = cmd.interrupt(sig, group=True)
    line = _assert_clean_interrupt(rc, err, sig, cmd, r"campaign \d+ stopped after \d of 8 trials")
    assert "RUNNING" not in _run_status(home, "gensim/generate")
    assert "KILLED" in _run_status(home, "gensim/generate")
    rerun = subprocess.run([sys.executable, "-m", "gensim.cli.main", *GENERATE, "--resume", "--json", "--quiet"],
                           env=_env(home), capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    result = json.loads(rerun.stdout)
    assert result["campaign_id"] == int(re.search(r"campaign (\d+)", line).group(1))  # type: ignore[union-attr]
    assert result["candidates"] == 8


DEMOS = ["demos", "block-insertion", "-n", "30", "--workers", "2"]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_demos_interrupted_mid_run_resumes(tmp_path: Path, sig: signal.Signals) -> None:
    from gensim.data.manifest import check_dataset, read_manifest

    home = tmp_path / "home"
    cmd = Command(home, DEMOS)
    cmd.wait_for(r"\b[1-9]\d*/30 episodes")
    rc, err = cmd.interrupt(sig, group=True)  # the workers get it too, as from a terminal
    line = _assert_clean_interrupt(rc, err, sig, cmd,
                                   r"\d+ of 30 episodes kept in dataset block-insertion-v1-train")
    kept = int(re.search(r"(\d+) of 30", line).group(1))  # type: ignore[union-attr]
    root = home / "datasets" / "block-insertion" / "v1" / "train"
    assert not [p for p in check_dataset(root) if p.bad]
    assert len(read_manifest(root)) == kept and not list(root.rglob("*.tmp"))
    assert "RUNNING" not in _run_status(home, "gensim/demos")
    rerun = subprocess.run([sys.executable, "-m", "gensim.cli.main", "demos", "block-insertion", "-n",
                            str(kept + 1), "--json", "--quiet"],
                           env=_env(home), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    report = json.loads(rerun.stdout)
    assert report["episodes"] == kept + 1 and report["new_episodes"] == 1
    assert not [p for p in check_dataset(root) if p.bad] and len(read_manifest(root)) == kept + 1


STORE_GENERATED = ("import sys; from pathlib import Path; from gensim.db import repository; "
                   "from gensim.db.session import ensure_schema; ensure_schema(); "
                   "repository.add_task_version(sys.argv[1], Path(sys.argv[2]).read_text(), 'test', status='admitted')")


@pytest.mark.slow
def test_demos_of_a_generated_task_interrupted_mid_run(tmp_path: Path) -> None:
    """Its sandboxes run from threads of the command itself (no worker process): Ctrl-C still
    ends them all, says what was kept, and leaves an intact dataset."""
    from gensim.data.manifest import check_dataset, read_manifest

    home = tmp_path / "home"
    home.mkdir()
    fixture = ROOT / "tests" / "fixtures" / "convention" / "place_red_block_in_green_bowl.py"
    subprocess.run([sys.executable, "-c", STORE_GENERATED, "honest-red-block", str(fixture)], env=_env(home),
                   check=True, timeout=300)
    cmd = Command(home, ["demos", "honest-red-block", "-n", "30"])
    cmd.wait_for(r"\b[1-9]\d*/30 episodes")
    rc, err = cmd.interrupt(signal.SIGINT, group=True)
    line = _assert_clean_interrupt(rc, err, signal.SIGINT, cmd,
                                   r"\d+ of 30 episodes kept in dataset honest-red-block-v1-train")
    kept = int(re.search(r"(\d+) of 30", line).group(1))  # type: ignore[union-attr]
    root = home / "datasets" / "honest-red-block" / "v1" / "train"
    assert not [p for p in check_dataset(root) if p.bad]
    assert len(read_manifest(root)) == kept and not list(root.rglob("*.tmp"))


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_train_interrupted_mid_training(tmp_path: Path, sig: signal.Signals) -> None:
    home = tmp_path / "home"
    args = ["train", "--tasks", "block-insertion", "--demos", "2", "--max-steps", "100000",
            "--val-interval", "2", "--val-episodes", "1", "--batch-size", "2"]
    cmd = Command(home, args)
    cmd.wait_for(r"step 2: validation success")  # the checkpoint of step 2 is on disk
    rc, err = cmd.interrupt(sig, group=True)
    line = _assert_clean_interrupt(rc, err, sig, cmd,
                                   r"training stopped at step \d+ of 100000; checkpoint of step \d+ kept in .* --resume")
    checkpoint = Path(re.search(r"kept in (\S+last\.ckpt)", line).group(1))  # type: ignore[union-attr]
    assert checkpoint.is_file()
    import torch

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    assert state["global_step"] >= 2
    assert "RUNNING" not in _run_status(home, "gensim/train")
    assert "KILLED" in _run_status(home, "gensim/train")
