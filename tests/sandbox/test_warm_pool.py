"""Warm sandboxes (`gensim.sandbox.pool`): one bwrap per job module, a fresh forked child per job.

The same kernel boundary as a cold run (the jobs here are trusted code from tests/, most run with
the guard off, so only bwrap, seccomp and the fork server stand in their way), the same results
and verdicts, and nothing one job does reaches the next job of the same sandbox."""

from __future__ import annotations

import json
import re
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

import gensim
from gensim.sandbox import Limits, SandboxResult, pool, run_in_sandbox

TESTS = str(Path(__file__).resolve().parents[1])
JOBS = "tests.sandbox.jobs"
FIXTURES = Path(TESTS) / "fixtures"


def warm(job: str, payload: dict[str, Any], limits: Limits | None = None, guard: bool = False) -> SandboxResult:
    return run_in_sandbox(f"{JOBS}:{job}", payload, limits, packages=[TESTS], guard=guard, warm=True)


def _server_pids() -> list[int]:
    return sorted(box.proc.pid for group in pool._idle.values() for box in group)


@pytest.fixture(autouse=True)
def fresh_pool() -> Any:
    pool.shutdown()
    yield
    pool.shutdown()
    assert pool.live() == 0


def test_nothing_a_job_does_reaches_the_next_job_of_the_same_sandbox() -> None:
    first = warm("probe", {})
    assert first.ok, first.error
    server = _server_pids()
    assert len(server) == 1
    poisoned = warm("poison", {}, Limits(wall_s=30))
    assert poisoned.ok, poisoned.error
    tried = poisoned.result
    # The kernel refuses what would outlive the job; the rest dies with its process or is wiped.
    for name in ("root_file", "dev_file", "package_file", "shmget", "proc1_mem", "fork"):
        assert tried[name].startswith("refused"), (name, tried[name])
    assert tried["kill_server"].startswith("done") and tried["kill_server_term"].startswith("done")
    assert _server_pids() == server  # the fork server ignored both signals and was kept
    after = warm("probe", {})
    assert after.ok, after.error
    seen, before = after.result, first.result
    assert _server_pids() == server  # the same sandbox served the next job
    # /tmp inside is an empty tmpfs, but for the mount points of what the sandbox binds there
    # (a checkout or an interpreter living under /tmp, e.g. a CI clone in /tmp/NAME)
    bound = {Path(p).resolve().relative_to("/tmp").parts[0]
             for p in (Path(gensim.__file__).parents[1], sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path)
             if p and Path(p).resolve().is_relative_to("/tmp") and Path(p).resolve() != Path("/tmp")}
    assert seen["tmp"] == before["tmp"] and set(seen["tmp"]) <= bound, (seen["tmp"], bound)
    assert seen["root"] == before["root"] and seen["shm"] == []
    assert seen["tmp_mode"] == before["tmp_mode"] and stat.S_IMODE(seen["tmp_mode"]) != 0o500
    assert not seen["env"] and seen["preload_intact"] and seen["json_intact"]
    assert seen["threads"] == 1 and seen["processes"] == [1, seen["pid"]] and seen["ppid"] == 1
    assert seen["pid"] != before["pid"]  # a new process every time
    assert seen["numpy"] != before["numpy"] and seen["random"] != before["random"]  # reseeded


def test_the_kernel_boundary_holds_in_a_warm_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    assert warm("fork_raw", {}).result.startswith("refused")
    assert warm("fork_plain", {}).result.startswith("refused")
    entered = warm("setns_parent", {})  # pid 1 is the undumpable fork server: even its ns link is refused
    assert (entered.result or "").startswith("refused") or "Permission denied" in (entered.error or "")
    assert not warm("connect", {"host": "127.0.0.1"}).ok
    target = tmp_path / "outside.txt"
    assert not warm("write_file", {"path": str(target)}).ok and not target.exists()
    seen = warm("look_around", {"paths": [str(Path.home()), "/etc/passwd", TESTS]}).result
    assert seen["uid"] == 65534 and seen["/etc/passwd"] is False and seen[TESTS] is True
    assert "sk-should-not-leak" not in seen["pid1_environ"]
    assert not any("KEY" in name or name.startswith("GENSIM") for name in seen["env"])
    assert len(_server_pids()) == 1


def test_deaths_limits_and_timeouts_give_the_cold_results() -> None:
    crash = warm("crash", {})
    assert not crash.ok and crash.signal == "SIGSEGV" and crash.exit_code == 139
    assert crash.error == "the sandboxed process died (signal SIGSEGV) without a verdict: "
    kept = _server_pids()
    assert len(kept) == 1  # a job that dies does not take its sandbox with it
    assert "MemoryError" in (warm("eat_memory", {"blocks": 100}, Limits(memory_mb=1024)).error or "")
    assert _server_pids() == kept
    full = warm("fill_scratch", {"files": 16, "mib": 60}, Limits(scratch_mb=64))
    assert not full.ok and "No space left" in (full.error or "")
    assert warm("fill_scratch", {"files": 1, "mib": 40}, Limits(scratch_mb=64)).ok  # the tmpfs was wiped
    hang = warm("hang_in_phase", {"before": ["load", "init"], "phase": "reset"}, Limits(wall_s=60, phase_s=1))
    assert hang.timed_out and hang.phase == "reset" and hang.error == "timeout in phase reset: over 1 s"
    assert kept[0] not in _server_pids()  # a timeout kills the whole sandbox; the next job gets a new one
    assert warm("echo", {"x": 1}).result["echo"] == {"x": 1}


def _verdicts(monkeypatch: pytest.MonkeyPatch, files: list[Path], settings: tuple[str, ...]) -> dict[str, list[str]]:
    """Each file's gate verdict (without its seconds) with each `GENSIM_SANDBOX_WARM` setting in turn."""
    from gensim.checking.gate import check_file
    from gensim.config import get_settings

    verdicts: dict[str, list[str]] = {}
    for setting in settings:
        monkeypatch.setenv("GENSIM_SANDBOX_WARM", setting)
        get_settings.cache_clear()
        try:
            for path in files:
                doc = check_file(path, seeds=[0]).to_json()
                doc.pop("seconds")
                verdicts.setdefault(path.name, []).append(json.dumps(doc, sort_keys=True))
        finally:
            get_settings.cache_clear()
    return verdicts


def test_a_warm_gate_check_gives_the_cold_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [FIXTURES / "convention" / "fails_at_reset.py", FIXTURES / "hostile" / "forge_main_patch.py"]
    for name, (cold, hot) in _verdicts(monkeypatch, files, ("false", "true")).items():
        assert cold == hot, name


@pytest.mark.slow
def test_warm_gate_checks_of_passing_tasks_give_the_cold_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [FIXTURES / "convention" / "place_red_block_in_green_bowl.py",
             FIXTURES / "convention" / "blocks_into_zone.py", Path(TESTS).parent / "gensim/tasks/builtin/build_car.py"]
    # a filled template's file gets a random temporary name in every check, warm or cold
    def same(text: str) -> str:
        return re.sub(r"/tmp/gensim-env-\w+/([\w-]+)\.\w+\.urdf", r"TMP/\1.urdf", text)

    for name, (cold, first, second) in _verdicts(monkeypatch, files, ("false", "true", "true")).items():
        assert same(cold) == same(first) == same(second), name
        assert json.loads(cold)["passed"], name
    assert pool.live() == 2  # the recorder's sandbox and the replayer's


def _wait_for(condition: Any, seconds: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


@pytest.mark.parametrize("warm_setting", [True, False])
def test_stop_ends_the_jobs_of_the_stopped_thread_only(warm_setting: bool) -> None:
    """`registry.stop(threads)` kills the sandboxes those threads run jobs in (warm or cold), and
    nothing else; a stopped thread starts no more sandboxes."""
    import threading
    import time

    from gensim.sandbox import registry

    results: dict[str, Any] = {}
    idents: dict[str, int] = {}

    def run(name: str) -> None:
        idents[name] = threading.get_ident()
        with registry.stoppable():
            results[name] = run_in_sandbox(f"{JOBS}:sleep", {"seconds": 60}, Limits(wall_s=90), packages=[TESTS],
                                           guard=False, warm=warm_setting)
            results[name + " after"] = run_in_sandbox(f"{JOBS}:echo", {}, packages=[TESTS], warm=warm_setting)

    threads = {name: threading.Thread(target=run, args=(name,)) for name in ("stopped", "other")}
    for thread in threads.values():
        thread.start()
    _wait_for(lambda: len(idents) == 2 and all(i in registry._jobs for i in idents.values()))
    time.sleep(1.0)  # the jobs themselves are sleeping, not starting
    stopped_at = time.monotonic()
    registry.stop([idents["stopped"]])
    threads["stopped"].join(30)
    assert not threads["stopped"].is_alive() and time.monotonic() - stopped_at < 30
    killed = results["stopped"]
    assert not killed.ok and not killed.timed_out and "died" in (killed.error or ""), killed.error
    assert results["stopped after"].error == "not started: stopped"
    assert threads["other"].is_alive() and idents["other"] in registry._jobs  # untouched, still sleeping
    registry.stop([idents["other"]])
    threads["other"].join(30)
    assert not registry._jobs and not registry._stops
