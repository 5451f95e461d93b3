"""The sandbox returns verdicts for results, errors, crashes, timeouts, memory bombs and refusals,
and its kernel boundary (bwrap) holds even for code the in-process guard does not watch (the
jobs here are trusted code from tests/, so only the kernel boundary stands in their way)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gensim.sandbox import Limits, SandboxResult, run_in_sandbox
from gensim.sandbox.runner import decode_verdict, printable

TESTS = str(Path(__file__).resolve().parents[1])
JOBS = "tests.sandbox.jobs"


def run(job: str, payload: dict[str, Any], limits: Limits | None = None, guard: bool = True) -> SandboxResult:
    return run_in_sandbox(f"{JOBS}:{job}", payload, limits, packages=[TESTS], guard=guard)


def test_result_comes_back_and_secrets_do_not_leak(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    res = run("echo", {"x": 1})
    assert res.ok, res.error
    assert res.result["echo"] == {"x": 1}
    assert res.result["secret_seen"] is False
    assert res.result["cwd"] == "/tmp" != os.getcwd()
    assert res.isolation["boundary"] == "bwrap" and res.violations == []


def test_the_child_sees_only_what_it_needs(monkeypatch, tmp_path) -> None:
    home = tmp_path / "gensim-home"
    home.mkdir()
    monkeypatch.setenv("GENSIM_HOME", str(home))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    res = run("look_around", {"paths": [str(home), str(Path.home()), "/etc/passwd", TESTS]}, guard=False)
    assert res.ok, res.error
    seen = res.result
    assert seen["uid"] == 65534 and seen["pid"] < 10  # its own pid namespace
    assert seen[str(home)] is False and seen["/etc/passwd"] is False and seen[TESTS] is True
    assert "sk-should-not-leak" not in seen["pid1_environ"]
    assert not any("KEY" in name or name.startswith("GENSIM") for name in seen["env"])


def test_no_new_processes_even_below_the_guard() -> None:
    # _posixsubprocess.fork_exec raises no audit event; the seccomp filter refuses it anyway.
    assert run("fork_raw", {}, guard=False).result.startswith("refused")
    assert run("fork_plain", {}, guard=False).result.startswith("refused")


def test_no_entering_other_namespaces() -> None:
    assert run("setns_parent", {}, guard=False).result.startswith("refused")


def test_exception_is_a_verdict() -> None:
    res = run("raise_error", {})
    assert not res.ok and "ValueError: bad task" in (res.error or "")


def test_escape_sequences_from_the_child_are_escaped() -> None:
    res = run("raise_text", {"text": "\x1b[2J\x1b]0;owned\x07 bad\nline"})
    assert not res.ok and "\x1b" not in (res.error or "") and "\x07" not in (res.error or "")
    assert "\\x1b[2J" in (res.error or "") and "\n" not in (res.error or "")


def test_printable() -> None:
    assert printable("a\x1b[31mb\u202e\nc") == "a\\x1b[31mb\\u202e\\nc"
    assert printable("x" * 5000, 10) == "x" * 10


def test_segfault_is_a_verdict() -> None:
    res = run("crash", {})
    assert not res.ok and res.signal == "SIGSEGV" and "without a verdict" in (res.error or "")


def test_os_exit_is_refused_and_reported() -> None:
    res = run("exit_now", {"code": 0})
    assert not res.ok and "SystemExit" in (res.error or "")
    assert any("os._exit(0)" in v for v in res.violations)


def test_timeout_kills_the_child() -> None:
    res = run("sleep", {"seconds": 30}, Limits(wall_s=1.5))
    # Generous bound: on a loaded machine start-up alone can take seconds; the job sleeps 30.
    assert not res.ok and res.timed_out and res.seconds < 25


def test_a_hang_is_stopped_naming_its_phase() -> None:
    res = run("hang_in_phase", {"before": ["load", "init"], "phase": "reset"}, Limits(wall_s=60, phase_s=1))
    assert not res.ok and res.timed_out and res.phase == "reset"
    assert res.error == "timeout in phase reset: over 1 s"


def test_deep_json_is_a_one_line_error() -> None:
    with pytest.raises(ValueError, match="nested 3000 deep"):
        decode_verdict(b"[" * 3000 + b"]" * 3000)
    with pytest.raises(ValueError, match="not JSON"):
        decode_verdict(b'{"a": ')
    assert decode_verdict(b'{"a": "[[[[", "b": [[1]]}') == {"a": "[[[[", "b": [[1]]}
    res = run("deep_result", {"depth": 3000})
    assert not res.ok and "\n" not in (res.error or "")


def test_scratch_disk_is_capped() -> None:
    res = run("fill_scratch", {"files": 16, "mib": 60}, Limits(scratch_mb=64), guard=False)
    assert not res.ok and "No space left" in (res.error or "")


def test_memory_limit() -> None:
    res = run("eat_memory", {"blocks": 100}, Limits(memory_mb=1024))
    assert not res.ok and "MemoryError" in (res.error or "")


def test_writes_outside_scratch_do_not_reach_the_disk(tmp_path) -> None:
    target = tmp_path / "outside.txt"
    res = run("write_file", {"path": str(target)}, guard=False)
    assert not res.ok and not target.exists()


def test_out_dir_is_writable(tmp_path) -> None:
    res = run("write_file", {"path": str(tmp_path / "ok.txt"), "out_dir": str(tmp_path)})
    assert res.ok, res.error
    assert (tmp_path / "ok.txt").read_text() == "x"


def test_no_network() -> None:
    res = run("connect", {"host": "127.0.0.1"}, guard=False)
    assert not res.ok


def test_without_bwrap_untrusted_code_is_refused(monkeypatch, tmp_path) -> None:
    from gensim.config import get_settings
    from gensim.sandbox.bwrap import SandboxUnavailable

    monkeypatch.setenv("GENSIM_SANDBOX_BWRAP", str(tmp_path / "no-bwrap"))
    get_settings.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
            run("echo", {})
    finally:
        get_settings.cache_clear()


def test_cli_refuses_without_bwrap_in_one_line(tmp_path) -> None:
    task = Path(__file__).resolve().parents[1] / "fixtures" / "hostile" / "benign_baseline.py"
    env = {**os.environ, "GENSIM_SANDBOX_BWRAP": str(tmp_path / "no-bwrap"), "GENSIM_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "gensim.cli.main", "tasks", "check", "--file", str(task)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bubblewrap" in lines[0] and "Traceback" not in proc.stderr, proc.stderr


def _userns_disabled_bwrap(tmp_path: Path) -> Path:
    """A stand-in for bwrap on a host with unprivileged user namespaces disabled: it fails the way
    the real bwrap does there (message on stderr, exit status 1)."""
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    return fake


def test_userns_disabled_untrusted_code_is_refused(monkeypatch, tmp_path) -> None:
    from gensim.config import get_settings
    from gensim.sandbox.bwrap import SandboxUnavailable

    monkeypatch.setenv("GENSIM_SANDBOX_BWRAP", str(_userns_disabled_bwrap(tmp_path)))
    get_settings.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable) as err:
            run("echo", {})
    finally:
        get_settings.cache_clear()
    msg = str(err.value)
    assert "\n" not in msg
    assert "setting up uid map: Permission denied" in msg and "unprivileged_userns_clone=1" in msg


def test_cli_refuses_when_userns_disabled_in_one_line(tmp_path) -> None:
    task = Path(__file__).resolve().parents[1] / "fixtures" / "hostile" / "benign_baseline.py"
    env = {**os.environ, "GENSIM_SANDBOX_BWRAP": str(_userns_disabled_bwrap(tmp_path)),
           "GENSIM_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "gensim.cli.main", "tasks", "check", "--file", str(task)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "uid map: Permission denied" in lines[0] and "sysctl" in lines[0], lines[0]
