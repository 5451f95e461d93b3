"""The parent side of the sandbox: start a limited child, collect its verdict, survive anything.

A job is a function named `"module:function"` (gensim code, trusted) that receives a JSON payload
(which may carry untrusted task code) and returns a JSON-able result. The child process
(`gensim.sandbox.child`) runs it:
- in its own session and process group, killed as a whole when the wall clock expires, when
  the job ends, or when this process exits or is interrupted (`gensim.sandbox.registry`);
- with CPU-time, address-space, file-size, core and process-count limits, applied by this
  process (`prlimit`) before the request, and so before any task code, reaches the child;
- with a scrubbed environment (no API keys, tokens or secrets) and HOME/TMPDIR in a scratch
  folder that is its working folder and is removed afterwards;
- in an empty network namespace where the kernel allows it, as `nobody` when started as root
  (see `isolation.py`), and behind the in-process guard (`guard.py`);
- with stdout/stderr captured to files (tails kept) and Python-level output capped.
The request travels on the child's stdin; the verdict comes back through a file descriptor
opened here and inherited by the child, tagged with a random per-job token that only the
trusted part of the child knows. A child that dies (signal, exit code, timeout) or answers
without the token yields a `SandboxResult` that says so, never an exception here.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gensim.sandbox import registry

SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "AUTH")
KEEP_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONHASHSEED")
VERDICT_MAX_BYTES = 32 * 1024 * 1024
NOBODY = 65534


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed job."""

    wall_s: float = 120.0  # wall-clock timeout (s)
    cpu_s: int = 120  # CPU time (s)
    memory_mb: int = 4096  # address space (MiB); pybullet + numpy need ~1 GiB of mappings
    file_mb: int = 64  # largest file the child may write (MiB)
    processes: int = 64  # RLIMIT_NPROC (threads count too; enforced for non-root users)
    output_kb: int = 256  # captured stdout/stderr kept per stream (KiB)


@dataclass
class SandboxResult:
    """What came back from a child: its result, or how it died."""

    ok: bool  # the job returned a result
    result: Any = None  # the job's return value (JSON)
    error: str | None = None  # why there is no result (timeout, signal, exception in the job)
    exit_code: int | None = None
    signal: str | None = None
    timed_out: bool = False
    seconds: float = 0.0
    stdout_tail: str = ""
    stderr_tail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)  # what the guard refused
    isolation: dict[str, str] = field(default_factory=dict)  # network, user, guard in force


def scrubbed_env(scratch: str | None = None) -> dict[str, str]:
    """The child's environment: a few harmless variables, nothing that looks like a secret."""
    env = {k: v for k, v in os.environ.items() if k in KEEP_ENV}
    env.update(
        PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1", PYTHONNOUSERSITE="1",
        MLFLOW_DISABLE_TELEMETRY="true", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1", HF_HUB_OFFLINE="1",
    )
    if scratch:
        env.update(HOME=scratch, TMPDIR=scratch, MPLCONFIGDIR=scratch)
    return {k: v for k, v in env.items() if not any(m in k.upper() for m in SECRET_MARKERS)}


def _apply_limits(pid: int, limits: Limits) -> None:
    import resource

    mem = limits.memory_mb * 1024 * 1024
    size = limits.file_mb * 1024 * 1024
    for which, value in (
        (resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s)),
        (resource.RLIMIT_AS, (mem, mem)),
        (resource.RLIMIT_FSIZE, (size, size)),
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_NPROC, (limits.processes, limits.processes)),
    ):
        try:
            resource.prlimit(pid, which, value)
        except (ValueError, OSError):
            pass  # the child is gone already, or the limit cannot be lowered here


def _tail(path: Path, limit_kb: int, lines: int = 40) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - limit_kb * 1024))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _give_to_child(path: str) -> None:
    if os.geteuid() == 0:
        try:
            os.chown(path, NOBODY, NOBODY)
        except OSError:
            pass


def run_in_sandbox(job: str, payload: dict[str, Any], limits: Limits | None = None) -> SandboxResult:
    """Run `job` ("module:function") on `payload` in a limited child process.

    A payload key `out_dir` names a folder the job may write into (besides its scratch folder).
    """
    limits = limits or Limits()
    registry.install()
    if registry.interrupted():
        return SandboxResult(ok=False, error="not started: the parent process was interrupted")
    start = time.perf_counter()
    private = tempfile.mkdtemp(prefix="gensim-sbx-")
    scratch = tempfile.mkdtemp(prefix="gensim-scratch-")
    try:
        _give_to_child(scratch)
        writable = [str(Path(payload["out_dir"]).resolve())] if payload.get("out_dir") else []
        for folder in writable:
            _give_to_child(folder)
        return _run(job, payload, limits, Path(private), scratch, writable, start)
    finally:
        shutil.rmtree(private, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


def _run(job: str, payload: dict[str, Any], limits: Limits, priv: Path, scratch: str,
         writable: list[str], start: float) -> SandboxResult:
    token = secrets.token_hex(16)
    out_path, err_path = priv / "stdout.txt", priv / "stderr.txt"
    verdict_fd = os.open(priv / "verdict.json", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    env = scrubbed_env(scratch)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    request = json.dumps({
        "job": job, "payload": payload, "token": token, "verdict_fd": verdict_fd, "scratch": scratch,
        "parent_pid": os.getpid(), "writable": writable, "output_bytes": limits.output_kb * 1024,
    }).encode()
    try:
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gensim.sandbox.child"], cwd=scratch, env=env, stdin=subprocess.PIPE,
                stdout=out, stderr=err, start_new_session=True, pass_fds=(verdict_fd,),
            )
        registry.register(proc.pid)
        timed_out = False
        try:
            _apply_limits(proc.pid, limits)
            try:
                assert proc.stdin is not None
                proc.stdin.write(request)
                proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass  # the child died before reading: its exit status says why
            try:
                proc.wait(timeout=limits.wall_s)
            except subprocess.TimeoutExpired:
                timed_out = True
        finally:
            _kill_group(proc)  # anything the job left running in its group goes too
            registry.unregister(proc.pid)
        os.lseek(verdict_fd, 0, os.SEEK_SET)
        raw = os.read(verdict_fd, VERDICT_MAX_BYTES)
    finally:
        os.close(verdict_fd)
    return _result(proc, raw, token, timed_out, limits, out_path, err_path, start)


def _result(proc: subprocess.Popen[bytes], raw: bytes, token: str, timed_out: bool, limits: Limits,
            out_path: Path, err_path: Path, start: float) -> SandboxResult:
    res = SandboxResult(
        ok=False, exit_code=proc.returncode, timed_out=timed_out, seconds=time.perf_counter() - start,
        stdout_tail=_tail(out_path, limits.output_kb), stderr_tail=_tail(err_path, limits.output_kb),
    )
    if proc.returncode is not None and proc.returncode < 0:
        try:
            res.signal = signal.Signals(-proc.returncode).name
        except ValueError:
            res.signal = str(-proc.returncode)
    if timed_out:
        res.error = f"timed out after {limits.wall_s:g} s (wall clock)"
        return res
    try:
        doc = json.loads(raw) if raw else None
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or doc.get("token") != token:
        last = res.stderr_tail.strip().splitlines()[-1:] or [""]
        how = f"signal {res.signal}" if res.signal else f"exit code {proc.returncode}"
        what = "without a verdict" if not raw else "with a verdict that is not the sandbox's"
        res.error = f"the sandboxed process died ({how}) {what}: {last[0][:300]}"
        return res
    res.violations = [str(v) for v in doc.get("violations") or []]
    res.isolation = {str(k): str(v) for k, v in (doc.get("isolation") or {}).items()}
    if doc.get("ok"):
        res.ok, res.result = True, doc.get("result")
    else:
        res.error = str(doc.get("error", "unknown error"))
        res.extra = {"traceback": doc.get("traceback", "")}
    return res


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
