"""The sandbox returns verdicts for results, errors, crashes, timeouts and memory bombs."""

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


def test_exception_is_a_verdict() -> None:
    res = run_in_sandbox(f"{JOBS}:raise_error", {})
    assert not res.ok and "ValueError: bad task" in (res.error or "")


def test_crash_is_a_verdict() -> None:
    res = run_in_sandbox(f"{JOBS}:crash", {"code": 7})
    assert not res.ok and res.exit_code == 7 and "without a verdict" in (res.error or "")


def test_timeout_kills_the_child() -> None:
    res = run_in_sandbox(f"{JOBS}:sleep", {"seconds": 30}, Limits(wall_s=1.5))
    assert not res.ok and res.timed_out and res.seconds < 10


def test_memory_limit() -> None:
    res = run_in_sandbox(f"{JOBS}:eat_memory", {"blocks": 100}, Limits(memory_mb=1024))
    assert not res.ok and "MemoryError" in (res.error or "")
