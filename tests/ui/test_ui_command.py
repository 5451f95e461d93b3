"""`gensim ui` on bad input and with a tracking server: one clear line, no server started."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gensim.cli.main import app

runner = CliRunner()


def test_taken_port_is_one_line_exit_2(gensim_home: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["ui", "--port", str(port)])
    assert result.exit_code == 2
    assert f"port {port} on 127.0.0.1 is taken" in result.output
    assert "--port 0" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["--port", "70000"], ["--port", "-1"], ["--timeout", "0"]])
def test_bad_numbers_are_usage_errors(gensim_home: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["ui", *args])
    assert result.exit_code == 2
    assert "error:" in result.output and "Traceback" not in result.output


def test_tracking_server_is_the_ui(gensim_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gensim.config import get_settings

    monkeypatch.setenv("GENSIM_MLFLOW_TRACKING_URI", "http://user:secret@mlflow.example:5000")
    get_settings.cache_clear()
    result = runner.invoke(app, ["ui", "--json"])
    assert result.exit_code == 0, result.output
    assert '"url": "http://user:secret@mlflow.example:5000"' not in result.stdout
    assert "secret" not in result.stdout
    assert "mlflow.example:5000" in result.stdout
