"""The parent side of the sandbox: start a limited child, collect its verdict, survive anything.

A job is a function named `"module:function"` (gensim code, trusted) that receives a JSON payload
(which may carry untrusted task code) and returns a JSON-able result. The child process runs it
with:
- a wall-clock timeout (the whole process group is killed when it expires),
- CPU-time, address-space, file-size and process-count limits (`resource.setrlimit`),
- a scrubbed environment (no API keys, tokens or secrets; only what Python needs),
- a scratch working folder that is removed afterwards,
- stdout and stderr captured to files and capped in size.
The result travels through a file in a private folder that only the parent names; a child that
dies (signal, exit code, timeout) yields a `SandboxResult` that says so, never an exception here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "AUTH")
KEEP_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONHASHSEED")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed job."""

    wall_s: float = 120.0  # wall-clock timeout (s)
    cpu_s: int = 120  # CPU time (s)
    memory_mb: int = 4096  # address space (MiB); pybullet + numpy need ~1 GiB of mappings
    file_mb: int = 64  # largest file the child may write (MiB)
    processes: int = 256  # RLIMIT_NPROC for the child's user (threads count too)
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


def scrubbed_env() -> dict[str, str]:
    """The child's environment: a few harmless variables, nothing that looks like a secret."""
    env = {k: v for k, v in os.environ.items() if k in KEEP_ENV}
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        MLFLOW_DISABLE_TELEMETRY="true",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        HF_HUB_OFFLINE="1",
    )
    return {k: v for k, v in env.items() if not any(m in k.upper() for m in SECRET_MARKERS)}


def _limit(limits: Limits) -> Any:
    def apply() -> None:
        import resource

        os.setsid()  # own process group: the parent kills the whole group on timeout
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 5))
        mem = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        size = limits.file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        except (ValueError, OSError):
            pass

    return apply


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


def run_in_sandbox(job: str, payload: dict[str, Any], limits: Limits | None = None) -> SandboxResult:
    """Run `job` ("module:function") on `payload` in a limited child process."""
    limits = limits or Limits()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gensim-sbx-") as private, tempfile.TemporaryDirectory(
        prefix="gensim-scratch-"
    ) as scratch:
        priv = Path(private)
        request = priv / "request.json"
        verdict = priv / "verdict.json"
        request.write_text(json.dumps({"job": job, "payload": payload}))
        os.chmod(private, 0o700)
        token = _token_of(request)
        out_path, err_path = priv / "stdout.txt", priv / "stderr.txt"
        env = scrubbed_env()
        src_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = src_root
        cmd = [sys.executable, "-m", "gensim.sandbox.child", str(request), str(verdict)]
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(
                cmd, cwd=scratch, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                preexec_fn=_limit(limits),  # noqa: PLW1509 (no threads are started before exec)
            )
            timed_out = False
            try:
                proc.wait(timeout=limits.wall_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(proc)
            finally:
                _kill_group(proc)  # anything the job left running in its group goes too
        seconds = time.perf_counter() - start
        res = SandboxResult(
            ok=False, exit_code=proc.returncode, timed_out=timed_out, seconds=seconds,
            stdout_tail=_tail(out_path, limits.output_kb), stderr_tail=_tail(err_path, limits.output_kb),
        )
        if proc.returncode is not None and proc.returncode < 0:
            res.signal = signal.Signals(-proc.returncode).name
        if timed_out:
            res.error = f"timed out after {limits.wall_s:g} s (wall clock)"
            return res
        try:
            doc = json.loads(verdict.read_text()) if verdict.exists() else None
        except (OSError, ValueError):
            doc = None
        if not isinstance(doc, dict) or doc.get("token") != token:
            last = res.stderr_tail.strip().splitlines()[-1:] or [""]
            how = f"signal {res.signal}" if res.signal else f"exit code {proc.returncode}"
            res.error = f"the sandboxed process died ({how}) without a verdict: {last[0][:300]}"
            return res
        if doc.get("ok"):
            res.ok, res.result = True, doc.get("result")
        else:
            res.error = str(doc.get("error", "unknown error"))
            res.extra = {"traceback": doc.get("traceback", "")}
        return res


def _token_of(request: Path) -> str:
    """A per-job token the child must echo (a stale or foreign verdict file does not count)."""
    import hashlib

    return hashlib.sha256(str(request).encode() + str(request.stat().st_ino).encode()).hexdigest()[:16]


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
