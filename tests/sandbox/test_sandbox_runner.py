"""The sandbox returns verdicts for results, errors, crashes, timeouts, memory bombs and refusals."""

from __future__ import annotations

import os

from gensim.sandbox import Limits, run_in_sandbox

JOBS = "gensim.sandbox.jobs_for_tests"


def test_result_comes_back_and_secrets_do_not_leak(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    res = run_in_sandbox(f"{JOBS}:echo", {"x": 1})
    assert res.ok, res.error
    assert res.result["echo"] == {"x": 1}
    assert res.result["secret_seen"] is False
    assert res.result["cwd"] != os.getcwd()
    assert res.isolation["network"] in ("netns", "audit-hook") and res.violations == []


def test_exception_is_a_verdict() -> None:
    res = run_in_sandbox(f"{JOBS}:raise_error", {})
    assert not res.ok and "ValueError: bad task" in (res.error or "")


def test_segfault_is_a_verdict() -> None:
    res = run_in_sandbox(f"{JOBS}:crash", {})
    assert not res.ok and res.signal == "SIGSEGV" and "without a verdict" in (res.error or "")


def test_os_exit_is_refused_and_reported() -> None:
    res = run_in_sandbox(f"{JOBS}:exit_now", {"code": 0})
    assert not res.ok and "SystemExit" in (res.error or "")
    assert any("os._exit(0)" in v for v in res.violations)


def test_timeout_kills_the_child() -> None:
    res = run_in_sandbox(f"{JOBS}:sleep", {"seconds": 30}, Limits(wall_s=1.5))
    assert not res.ok and res.timed_out and res.seconds < 10


def test_memory_limit() -> None:
    res = run_in_sandbox(f"{JOBS}:eat_memory", {"blocks": 100}, Limits(memory_mb=1024))
    assert not res.ok and "MemoryError" in (res.error or "")


def test_writes_outside_scratch_are_refused(tmp_path) -> None:
    target = tmp_path / "outside.txt"
    res = run_in_sandbox(f"{JOBS}:write_file", {"path": str(target)})
    assert not res.ok and "PermissionError: sandbox: writing" in (res.error or "")
    assert not target.exists() and res.violations


def test_out_dir_is_writable(tmp_path) -> None:
    res = run_in_sandbox(f"{JOBS}:write_file", {"path": str(tmp_path / "ok.txt"), "out_dir": str(tmp_path)})
    assert res.ok, res.error
    assert (tmp_path / "ok.txt").read_text() == "x"


def test_no_network() -> None:
    res = run_in_sandbox(f"{JOBS}:connect", {"host": "127.0.0.1"})
    assert not res.ok and "socket" in (res.error or "")
