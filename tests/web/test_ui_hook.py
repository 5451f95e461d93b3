"""`gensim ui` serves the task library browser next to the MLflow UI (through the console script)."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gensim.cli.main import app
from tests.web.conftest import fetch


def test_taken_tasks_port_is_one_line_before_any_server(gensim_home: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["ui", "--port", "0", "--tasks-port", str(port)])
    assert result.exit_code == 2 and f"port {port} on 127.0.0.1 is taken" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(app, ["ui", "--tasks-port", "70000"])
    assert result.exit_code == 2 and "--tasks-port must be in -1..65535" in result.output


@pytest.mark.slow
def test_gensim_ui_serves_the_browser(gensim_home: Path) -> None:
    exe = shutil.which("gensim", path=str(Path(sys.executable).parent)) or ""
    cmd = [exe] if exe else [sys.executable, "-m", "gensim.cli.main"]
    proc = subprocess.Popen([*cmd, "ui", "--port", "0", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert proc.stderr is not None
        picker = selectors.DefaultSelector()
        picker.register(proc.stderr, selectors.EVENT_READ)
        url, seen, deadline = None, "", time.monotonic() + 180
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            if picker.select(timeout=1):
                line = proc.stderr.readline()
                seen += line
                if line.startswith("Task library: "):
                    url = line.split(": ", 1)[1].strip()
        assert url and url.startswith("http://127.0.0.1:"), seen
        status, body = fetch(url)
        assert status == 200 and "stack-block-pyramid" in body and "built-in" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 0
