"""The console script ends without the interpreter's teardown (`gensim.cli.main._exit_now`):
exit codes, stdout and stderr stay whole and atexit handlers still run, but no module's objects
are freed one by one (a finalizer left in a module never runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Imported by the child at start-up: an atexit handler, and an object whose finalizer runs only
# in the interpreter's teardown (when its module's globals are cleared).
_SITE = """
import atexit, os
_MARKS = {marks!r}

def _mark(text, _os=os, _path=_MARKS):
    fd = _os.open(_path, _os.O_WRONLY | _os.O_CREAT | _os.O_APPEND)
    _os.write(fd, text.encode())
    _os.close(fd)

class _Teardown:
    def __del__(self, _mark=_mark):
        _mark("teardown\\n")

_teardown = _Teardown()
atexit.register(lambda: _mark("atexit\\n"))
"""


@pytest.mark.parametrize(("args", "code", "stdout", "stderr"), [
    (["tasks", "show", "block-insertion"], 0, "block-insertion", ""),
    (["demos", "block-insertion", "-n", "-1"], 2, "", "error: -n must be at least 1"),
])
def test_console_script_skips_the_teardown(tmp_path: Path, args: list[str], code: int, stdout: str,
                                           stderr: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    marks = tmp_path / "marks.txt"
    (site / "sitecustomize.py").write_text(_SITE.format(marks=str(marks)))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(GENSIM_HOME=str(tmp_path / "home"), PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]))
    proc = subprocess.run([sys.executable, "-m", "gensim.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == code, proc.stderr
    assert stdout in proc.stdout and stderr in proc.stderr
    assert marks.read_text() == "atexit\n"  # the handlers ran; the teardown did not


def test_an_importing_caller_keeps_its_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    """`run()` called in a process that is not the console script (a test) raises SystemExit as
    before instead of ending the process."""
    from gensim.cli import main

    monkeypatch.setattr(sys, "argv", ["pytest", "--help"])
    assert main.CONSOLE is False
    with pytest.raises(SystemExit) as info:
        main.run()
    assert info.value.code == 0
