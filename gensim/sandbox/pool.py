"""Warm sandboxes: bwrap started once per job module, a fresh forked child for every job.

`run_warm(...)` (what `run_in_sandbox(..., warm=True)` calls) returns the `SandboxResult` a cold
run would, from behind the same boundary (the same bwrap command line, plus `--as-pid-1`), minus
the start-up of bwrap, the interpreter and the job's imports:
- a `WarmSandbox` is bwrap running the fork server (`gensim.sandbox.forkserver`) as the pid
  namespace's init, with the job's module imported once. Its seccomp program forbids all the
  cold child's filter does except creating processes; each forked child adds the full program;
- a job travels as a cold one does, in memfds that only the forked child reads and writes
  (request, verdict with its per-job token, stdout, stderr) and a phase pipe, handed over with
  SCM_RIGHTS on a control socket; the parent reads the phases and enforces the same wall-clock
  and phase budgets. On a timeout the whole sandbox is killed (never reused);
- after each job the server wipes the tmpfs and checks that nothing of the job remains before it
  says "ready" again (the result is returned meanwhile; the next job waits for "ready"); a
  sandbox that cannot is discarded and the job goes to a new one. `docs/sandbox.md` gives the argument
  that one job cannot affect the next.
Up to `MAX_IDLE` sandboxes per module wait between jobs; `prewarm` starts one ahead of need (the
gate starts its replayer's while the recording runs); `shutdown()` ends them all (they also die
with this process: `--die-with-parent`, and `registry` kills them at exit and on signals).
Sandboxes are started from one long-lived thread: bwrap's `--die-with-parent` follows the thread
that started it, and a worker thread that ends must not take a shared sandbox with it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import select
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from gensim.sandbox import bwrap, registry, runner
from gensim.sandbox.runner import Limits, SandboxResult

MAX_IDLE = 4  # warm sandboxes kept per job module between jobs
READY_TIMEOUT_S = 180.0  # a new sandbox's start-up (imports: torch's for rollouts), the wipe after a job (s)
FORKSERVER = "gensim.sandbox.forkserver"


class _Gone(Exception):
    """The sandbox ended before it took the job."""


@dataclass(frozen=True)
class _Key:
    exe: str
    module: str
    packages: tuple[str, ...]
    scratch_mb: int
    readable: tuple[str, ...] = ()


class WarmSandbox:
    """One bwrap sandbox running the fork server (see the module docstring)."""

    def __init__(self, key: _Key, job: str) -> None:
        self.key = key
        self.ready = False
        self.log_fd = runner._memfd("forkserver-log")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.ctl = ours
        program = bwrap.seccomp_filter(processes=True)
        seccomp_fd = runner._memfd("seccomp", program) if program else None
        full = bwrap.seccomp_filter() or b""
        argv = bwrap.command(key.exe, [sys.executable, "-I", "-B", "-u", "-c", runner.boot(FORKSERVER)],
                             env=runner.child_env(key.packages), package_dir=runner.PACKAGE_DIR,
                             read_only=(*key.packages, *key.readable), scratch_mb=key.scratch_mb,
                             seccomp_fd=seccomp_fd,
                             as_pid_1=True)
        keep = tuple(fd for fd in (theirs.fileno(), seccomp_fd) if fd is not None)
        init = json.dumps({"job": job, "ctl_fd": theirs.fileno(),
                           "seccomp": base64.b64encode(full).decode()}).encode()
        try:
            self.proc: subprocess.Popen[bytes] = _spawn(
                argv, cwd="/", env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, stdin=subprocess.PIPE,
                stdout=self.log_fd, stderr=self.log_fd, start_new_session=True, pass_fds=keep)
        finally:
            theirs.close()
            if seccomp_fd is not None:
                os.close(seccomp_fd)
        registry.register(self.proc.pid)
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(init)
            self.proc.stdin.close()
        except OSError:
            pass  # it died at once: `wait_ready` says why

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _message(self, timeout: float) -> bytes | None:
        """The server's next message, b"" if it is gone, None if nothing came within `timeout`."""
        if not select.select([self.ctl], [], [], max(0.0, timeout))[0]:
            return None
        try:
            return self.ctl.recv(256)
        except OSError:
            return b""

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> str | None:
        """None once the server says "ready", else why it will not (one line)."""
        if self.ready:
            return None
        msg = self._message(timeout)
        if msg == b"ready":
            self.ready = True
            return None
        if msg is None:
            return f"not ready after {timeout:g} s"
        if msg:
            return runner.printable(msg.decode("utf-8", "replace"), 300)
        self._kill()
        last = runner._tail(self.log_fd, 16).strip().splitlines()[-1:] or [f"exit code {self.proc.returncode}"]
        return runner.printable(last[0], 300)

    def run(self, job: str, payload: dict[str, Any], limits: Limits, guard: bool,
            start: float) -> tuple[SandboxResult, bool]:
        """Run one job in a forked child; (its result, whether this sandbox can take another)."""
        token = secrets.token_hex(16)
        fds = [runner._memfd("verdict"), runner._memfd("stdout"), runner._memfd("stderr")]
        verdict_fd, out_fd, err_fd = fds
        phase_r, phase_w = os.pipe()
        fds += [phase_r]
        try:
            request = runner.request_doc(job, payload, token, limits, [], list(self.key.packages), guard,
                                         readable=self.key.readable)
            request_fd = runner._memfd("request", json.dumps(request).encode())
            try:
                socket.send_fds(self.ctl, [b"job"], [request_fd, verdict_fd, out_fd, err_fd, phase_w])
            except OSError as err:
                raise _Gone(str(err)) from None
            finally:
                os.close(request_fd)
                os.close(phase_w)
            self.ready = False
            status: list[bytes] = []

            def ended(wait: float) -> bool:
                if not status:
                    msg = self._message(wait)
                    if msg is None:
                        return False
                    status.append(msg)
                return True

            timeout, phase = runner.watch(ended, phase_r, limits, start)
            returncode, reusable = self._outcome(status, timeout)
            raw = runner._read_fd(verdict_fd, runner.VERDICT_MAX_BYTES + 1)
            res = runner.result(returncode, raw, token, timeout, limits, out_fd, err_fd, start)
            res.phase = phase
            return res, reusable  # the wipe goes on meanwhile: the next job waits for its "ready"
        finally:
            for fd in fds:
                os.close(fd)

    def _outcome(self, status: list[bytes], timeout: str | None) -> tuple[int | None, bool]:
        """The job's exit code as bwrap reports one (128 + N for signal N) and whether the
        sandbox lives on. A timeout, or a server that is gone, ends the sandbox."""
        if timeout is not None or not status or not status[0].startswith(b"done "):
            self._kill()
            return self.proc.returncode, False
        wait_status = int(status[0].split()[1])
        if os.WIFSIGNALED(wait_status):
            return 128 + os.WTERMSIG(wait_status), True
        return os.waitstatus_to_exitcode(wait_status), True

    def _kill(self) -> None:
        runner._kill_group(self.proc)
        registry.unregister(self.proc.pid)

    def close(self) -> None:
        self._kill()
        self.ctl.close()
        try:
            os.close(self.log_fd)
        except OSError:
            pass


_idle: dict[_Key, list[WarmSandbox]] = {}
_lock = threading.Lock()
_spawner: list[ThreadPoolExecutor] = []  # the one starting thread, made on first use


def _spawn(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    def popen() -> subprocess.Popen[bytes]:
        return subprocess.Popen(argv, **kwargs)

    with _lock:
        if not _spawner:
            _spawner.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="gensim-warm-sandbox"))
        spawner = _spawner[0]
    return spawner.submit(popen).result()


def _forget_after_fork() -> None:
    """In a forked copy of this process: the parent's sandboxes and starting thread are not ours."""
    global _lock
    _lock = threading.Lock()
    _idle.clear()
    _spawner.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _key(exe: str, job: str, packages: list[str] | tuple[str, ...], limits: Limits,
         readable: list[str] | tuple[str, ...] = ()) -> _Key:
    return _Key(exe, job.partition(":")[0], tuple(packages), limits.scratch_mb, tuple(readable))


def _take(key: _Key) -> WarmSandbox | None:
    with _lock:
        boxes = _idle.get(key, [])
        while boxes:
            box = boxes.pop()
            if box.alive():
                return box
            box.close()
    return None


def _give_back(box: WarmSandbox) -> None:
    with _lock:
        boxes = _idle.setdefault(box.key, [])
        if len(boxes) < MAX_IDLE and not registry.interrupted():
            boxes.append(box)
            return
    box.close()


def prewarm(job: str, limits: Limits | None = None, packages: tuple[str, ...] = (), count: int = 1) -> None:
    """Start warm sandboxes for `job`'s module until `count` (at most `MAX_IDLE`) are waiting
    (returns at once: they start meanwhile)."""
    from gensim.config import get_settings

    limits = limits or Limits()
    key = _key(bwrap.ensure_available(get_settings().sandbox_bwrap), job, packages, limits)
    registry.install()
    with _lock:
        if registry.interrupted():
            return
        missing = min(count, MAX_IDLE) - len(_idle.get(key, []))
    for _ in range(missing):
        _give_back(WarmSandbox(key, job))


def run_warm(exe: str, job: str, payload: dict[str, Any], limits: Limits, packages: list[str], guard: bool,
             start: float, readable: list[str] | tuple[str, ...] = ()) -> SandboxResult:
    """`run_in_sandbox` in a warm sandbox (see the module docstring): one per job module, extra
    packages, scratch size and readable folders."""
    key = _key(exe, job, packages, limits, readable)
    for attempt in range(2):  # a waiting sandbox that ended or failed its wipe is replaced once
        taken = _take(key) if attempt == 0 else None
        box = taken or WarmSandbox(key, job)
        with registry.running(box.proc.pid):
            problem = box.wait_ready(max(1.0, min(READY_TIMEOUT_S, start + limits.wall_s - time.perf_counter())))
        if problem is not None:
            box.close()
            if taken is not None:
                continue
            return SandboxResult(ok=False, error=f"the sandboxed process died without a verdict: {problem}",
                                 seconds=time.perf_counter() - start)
        try:
            with registry.running(box.proc.pid):
                res, reusable = box.run(job, payload, limits, guard, start)
            break
        except _Gone:
            box.close()
            if attempt:
                raise
        except BaseException:
            box.close()
            raise
    if reusable:
        _give_back(box)
    else:
        box.close()
    return res


def live() -> int:
    """How many warm sandboxes wait for a job."""
    with _lock:
        return sum(len(b) for b in _idle.values())


def shutdown() -> None:
    """End every waiting warm sandbox."""
    with _lock:
        boxes = [b for group in _idle.values() for b in group]
        _idle.clear()
    for box in boxes:
        box.close()

