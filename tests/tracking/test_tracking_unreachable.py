"""An unreachable or broken tracking store: one warning, every call a no-op, work goes on."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from gensim.tracking import GENERATE, Tracker


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


def _exercise(tracker: Tracker, tmp_path: Path) -> list[object]:
    """Every kind of call; returns what they returned."""
    artifact = tmp_path / "a.txt"
    artifact.write_text("x")
    results: list[object] = []
    with tracker.run(GENERATE, "campaign", tags={"k": "v"}, params={"p": 1}) as run:
        with run.child("candidate") as child:
            results.append(child.log_metrics({"m": 1.0}, step=3))
        results += [
            run.log_params({"q": 2}),
            run.log_dict({"a": 1}, "a.json"),
            run.log_text("t", "t.txt"),
            run.log_artifact(artifact),
            run.register_model("model", "m"),
            run.artifact_uri(),
            run.run_id,
            child.run_id,
        ]
    return results


def test_unreachable_server_warns_once_and_does_not_raise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"http://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    tracker = Tracker(uri, (tmp_path / "art").as_uri())
    assert _exercise(tracker, tmp_path) == [None] * 9
    assert _exercise(Tracker(uri, (tmp_path / "art").as_uri()), tmp_path) == [None] * 9
    # Behaviour, with a bound only a regression can break: without the reachability check
    # MLflow's HTTP client retries with backoff for minutes per call (18 calls here), so even a
    # loaded 2-core machine stays far below 60 s when the check short-cuts them.
    assert time.monotonic() - started < 60, "the reachability check must short-cut MLflow's retries"
    assert not tracker.enabled

    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("warning: MLflow tracking store") and uri in lines[0]


def test_broken_uri_warns_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tracker = Tracker("nosuchscheme://somewhere/x", (tmp_path / "art").as_uri())
    assert _exercise(tracker, tmp_path) == [None] * 9
    with pytest.raises(RuntimeError), tracker.run(GENERATE, "boom"):
        raise RuntimeError("the work's own error still propagates")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "unreachable" in lines[0], lines


def test_importing_gensim_tracking_does_not_import_mlflow() -> None:
    import subprocess

    code = "import sys, gensim.tracking; print('mlflow' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


def test_get_tracker_follows_the_settings(gensim_home: Path, monkeypatch) -> None:
    from gensim.config import get_settings
    from gensim.tracking import get_tracker

    # The default store lives in the home folder (the fixture points tests at a shared one).
    monkeypatch.delenv("GENSIM_MLFLOW_TRACKING_URI")
    monkeypatch.delenv("GENSIM_MLFLOW_ARTIFACT_ROOT")
    get_settings.cache_clear()
    tracker = get_tracker()
    assert tracker is get_tracker()
    assert tracker.uri == get_settings().tracking_uri
    assert tracker.uri.startswith("sqlite:///") and str(gensim_home.resolve()) in tracker.uri
    assert tracker.artifact_root == get_settings().artifact_root.rstrip("/")
