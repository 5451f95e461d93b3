"""The parent side of the sandbox: start a limited child, collect its verdict, survive anything.

A job is a function named `"module:function"` (gensim code, trusted) that receives a JSON payload
(which may carry untrusted task code) and returns a JSON-able result. The child process
(`gensim.sandbox.child`) runs it:
- behind the kernel boundary of `bwrap.py` (bubblewrap): its own user, pid, network, ipc, uts
  and mount namespaces, uid 65534, a read-only view of only the interpreter, the packages, gensim
  and the folders a caller names, a size-capped tmpfs as scratch, HOME and working folder, a
  cleared environment (no API keys), a seccomp filter, killed with its parent. Where bwrap
  cannot run, `SandboxUnavailable` is raised: there is no fallback;
- with CPU-time, address-space, file-size, core and process-count limits that its trusted
  start-up applies to itself before any task code is loaded;
- with a wall clock for the whole job (`Limits.wall_s`) and one per announced phase
  (`Limits.phase_s`, `gensim.sandbox.phases`): on overrun the whole process group is killed
  and the result says `timeout in phase <name>`;
- behind the in-process guard (`guard.py`), a second layer that nothing here depends on.
The request travels on the child's stdin; the verdict comes back through an anonymous memory
file (memfd) inherited by the child, tagged with a random per-job token; stdout and stderr go to
memfds too (tails kept). Nothing is exchanged through files. The verdict is decoded with limits
on size and nesting depth; text from the child (errors, refusals) is returned with control
characters escaped. A child that dies (signal, exit code, timeout) or answers without the token
yields a `SandboxResult` that says so, never an exception here.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gensim.sandbox import bwrap, phases, registry

SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "AUTH")
KEEP_ENV = ("LANG", "LC_ALL", "TZ", "PYTHONHASHSEED")
VERDICT_MAX_BYTES = 32 * 1024 * 1024
VERDICT_MAX_DEPTH = 64  # nesting of the child's JSON; deeper is a malformed verdict, not a crash
TEXT_MAX = 2000  # characters kept of an error message from the child
UNBUDGETED_PHASES = ("replay",)  # gensim's own replayer: only the job's wall clock applies
PACKAGE_DIR = str(Path(__file__).resolve().parents[1])  # the gensim package the child imports


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed job."""

    wall_s: float = 120.0  # wall-clock timeout of the whole job (s)
    cpu_s: int = 120  # CPU time (s)
    memory_mb: int = 4096  # address space (MiB); pybullet + numpy need ~1 GiB of mappings
    file_mb: int = 64  # largest file the child may write (MiB)
    processes: int = 64  # RLIMIT_NPROC (threads count too; the seccomp filter forbids new processes)
    output_kb: int = 256  # captured stdout/stderr kept per stream (KiB)
    phase_s: float = 45.0  # wall clock of each announced phase (s): load, init, each reset, each act
    scratch_mb: int = 256  # size of the child's tmpfs (scratch, HOME): all its files together (MiB)


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
    isolation: dict[str, str] = field(default_factory=dict)  # boundary, network, user, guard in force
    phase: str | None = None  # the last phase the job announced (`gensim.sandbox.phases`)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int = TEXT_MAX, *, lines: bool = False) -> str:
    """`text` from the child, safe for a terminal: control characters (escape sequences, bells,
    bidi overrides) written as `\\xNN`/`\\uNNNN`; newlines too unless `lines`; at most `limit` chars."""
    text = str(text)[: limit * 4]
    out = _CONTROL.sub(lambda m: repr(m.group())[1:-1] if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                       text)
    if not lines:
        out = out.replace("\n", "\\n").replace("\t", "\\t")
    return out[:limit]


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text (strings skipped)."""
    skeleton = re.sub(rb'"(?:[^"\\]|\\.)*"', b"", raw).translate(None, bytes(set(range(256)) - set(b"[]{}")))
    depth = deepest = 0
    for byte in skeleton:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def decode_verdict(raw: bytes, max_bytes: int = VERDICT_MAX_BYTES, max_depth: int = VERDICT_MAX_DEPTH) -> Any:
    """The child's JSON, within limits; `ValueError` with a one-line reason otherwise."""
    if len(raw) > max_bytes:
        raise ValueError(f"verdict larger than {max_bytes} bytes")
    depth = json_depth(raw)
    if depth > max_depth:
        raise ValueError(f"verdict nested {depth} deep (limit {max_depth})")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise ValueError(f"verdict is not JSON: {printable(str(err), 200)}") from None


def scrubbed_env(scratch: str | None = None) -> dict[str, str]:
    """The child's environment: a few harmless variables, nothing that looks like a secret."""
    env = {k: v for k, v in os.environ.items() if k in KEEP_ENV}
    env.update(
        PATH="/usr/local/bin:/usr/bin:/bin", PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1",
        PYTHONNOUSERSITE="1", MLFLOW_DISABLE_TELEMETRY="true", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1", HF_HUB_OFFLINE="1",
        # pyarrow's allocator (imported with the sentence encoder) would start a background
        # thread at import; a warm sandbox's fork server must stay single-threaded to fork.
        JE_ARROW_MALLOC_CONF="background_thread:false",
    )
    if scratch:
        env.update(HOME=scratch, TMPDIR=scratch, MPLCONFIGDIR=scratch)
    return {k: v for k, v in env.items() if not any(m in k.upper() for m in SECRET_MARKERS)}


def _bwrap_path() -> str:
    from gensim.config import get_settings

    return bwrap.ensure_available(get_settings().sandbox_bwrap)


def _memfd(name: str, data: bytes = b"") -> int:
    fd = os.memfd_create(name, 0)  # close-on-exec off: the child inherits it through pass_fds
    if data:
        os.write(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _read_fd(fd: int, limit: int, tail: bool = False) -> bytes:
    size = os.lseek(fd, 0, os.SEEK_END)
    os.lseek(fd, max(0, size - limit) if tail else 0, os.SEEK_SET)
    chunks, left = [], min(size, limit)
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _tail(fd: int, limit_kb: int, lines: int = 40) -> str:
    text = _read_fd(fd, limit_kb * 1024, tail=True).decode("utf-8", "replace")
    return printable("\n".join(text.splitlines()[-lines:]), limit_kb * 1024, lines=True)


def run_in_sandbox(job: str, payload: dict[str, Any], limits: Limits | None = None, *,
                   packages: Sequence[str] = (), guard: bool = True, warm: bool = False,
                   readable: Sequence[str] = ()) -> SandboxResult:
    """Run `job` ("module:function") on `payload` in a limited child process behind bwrap.

    A payload key `out_dir` names a folder the job may write into (besides its tmpfs).
    `readable` are folders the child may read (bound read-only, e.g. a copy of a checkpoint).
    `packages` are more package folders the child sees (read-only) and can import (their parent
    folders go on its path): tests bind in their own jobs this way. `guard=False` leaves the
    in-process guard off (tests use it to show that the kernel boundary holds by itself).
    `warm=True` runs the job in a fresh child forked inside a warm sandbox of the job's module
    (`gensim.sandbox.pool`: same boundary, same result, no start-up); a job with an `out_dir`
    always runs cold. Raises `bwrap.SandboxUnavailable` when the boundary cannot be set up.
    """
    limits = limits or Limits()
    exe = _bwrap_path()
    registry.install()
    if registry.interrupted():
        return SandboxResult(ok=False, error="not started: the parent process was interrupted")
    if registry.stopped():
        return SandboxResult(ok=False, error="not started: stopped")
    start = time.perf_counter()
    # The child's uid 65534 is this process's uid outside its namespace: it writes out_dir as us.
    writable = [str(Path(payload["out_dir"]).resolve())] if payload.get("out_dir") else []
    extra = [str(Path(p).resolve()) for p in packages]
    readable = [str(Path(p).resolve()) for p in readable]
    if warm and not writable:
        from gensim.sandbox import pool

        return pool.run_warm(exe, job, payload, limits, extra, guard, start, readable)
    fds: list[int] = []
    try:
        return _run(exe, job, payload, limits, writable, extra, start, fds, guard, readable)
    finally:
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass


def child_env(extra: Sequence[str]) -> dict[str, str]:
    """The environment inside the sandbox: scrubbed, with gensim and `extra` packages on the path."""
    env = scrubbed_env(bwrap.SCRATCH)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(PACKAGE_DIR).parent), *(str(Path(p).parent) for p in extra)])
    return env


def request_doc(job: str, payload: dict[str, Any], token: str, limits: Limits, writable: list[str],
                extra: list[str], guard: bool, verdict_fd: int | None = None,
                phase_fd: int | None = None, readable: Sequence[str] = ()) -> dict[str, Any]:
    """What the child is asked to do (`gensim.sandbox.child`)."""
    return {
        "job": job, "payload": payload, "token": token, "verdict_fd": verdict_fd, "phase_fd": phase_fd,
        "scratch": bwrap.SCRATCH, "writable": writable, "readable": list(readable),
        "output_bytes": limits.output_kb * 1024,
        "boundary": "bwrap", "rlimits": _rlimits(limits), "packages": extra,
        "guard": guard,
    }


def _run(exe: str, job: str, payload: dict[str, Any], limits: Limits, writable: list[str], extra: list[str],
         start: float, fds: list[int], guard: bool, readable: Sequence[str] = ()) -> SandboxResult:
    token = secrets.token_hex(16)
    verdict_fd, out_fd, err_fd = _memfd("verdict"), _memfd("stdout"), _memfd("stderr")
    phase_r, phase_w = os.pipe()
    fds += [verdict_fd, out_fd, err_fd, phase_r, phase_w]
    program = bwrap.seccomp_filter()
    seccomp_fd = _memfd("seccomp", program) if program else None
    if seccomp_fd is not None:
        fds.append(seccomp_fd)
    env = child_env(extra)
    request = json.dumps(request_doc(job, payload, token, limits, writable, extra, guard, verdict_fd,
                                     phase_w, readable)).encode()
    argv = bwrap.command(exe, [sys.executable, "-I", "-B", "-u", "-c", boot("gensim.sandbox.child")], env=env,
                         package_dir=PACKAGE_DIR, read_only=[*extra, *readable], writable=writable,
                         scratch_mb=limits.scratch_mb,
                         seccomp_fd=seccomp_fd)
    keep = tuple(fd for fd in (verdict_fd, phase_w, seccomp_fd) if fd is not None)
    proc = subprocess.Popen(argv, cwd="/", env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                            stdin=subprocess.PIPE, stdout=out_fd, stderr=err_fd, start_new_session=True,
                            pass_fds=keep)
    registry.register(proc.pid)
    os.close(phase_w)
    fds.remove(phase_w)
    timeout: str | None = None
    phase: str | None = None
    try:
        try:
            assert proc.stdin is not None
            proc.stdin.write(request)
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass  # the child died before reading: its exit status says why
        with registry.running(proc.pid):
            timeout, phase = watch(lambda wait: _ended(proc, wait), phase_r, limits, start)
    finally:
        _kill_group(proc)  # anything the job left running goes too (and with bwrap, its namespace)
        registry.unregister(proc.pid)
    raw = _read_fd(verdict_fd, VERDICT_MAX_BYTES + 1)
    res = result(proc.returncode, raw, token, timeout, limits, out_fd, err_fd, start)
    res.phase = phase
    return res


def boot(module: str) -> str:
    """The child's first instructions, with `-I` (isolated mode: no PYTHONPATH, no user site): put
    the folders the parent bound in on the path, then run the trusted start-up `module`."""
    return ("import os, sys; sys.path[:0] = [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]; "
            f"import runpy; runpy.run_module({module!r}, run_name='__main__')")


def _ended(proc: subprocess.Popen[bytes], wait: float) -> bool:
    if wait <= 0:
        return proc.poll() is not None
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        return False
    return True


def _rlimits(limits: Limits) -> dict[str, list[int]]:
    mem, size = limits.memory_mb * 1024 * 1024, limits.file_mb * 1024 * 1024
    return {"RLIMIT_CPU": [limits.cpu_s] * 2, "RLIMIT_AS": [mem] * 2, "RLIMIT_FSIZE": [size] * 2,
            "RLIMIT_CORE": [0, 0], "RLIMIT_NPROC": [limits.processes] * 2}


def watch(ended: Callable[[float], bool], phase_fd: int, limits: Limits,
          start: float) -> tuple[str | None, str | None]:
    """Wait until `ended(seconds)` (which waits up to `seconds`) says the job is over, reading its
    phase announcements; (why it was stopped or None, last phase)."""
    deadline = start + limits.wall_s
    phase: str | None = None
    phase_deadline = deadline
    buffer = b""
    listening = True
    while not ended(0):
        now = time.perf_counter()
        if now >= deadline:
            return f"timed out after {limits.wall_s:g} s (wall clock)" + (f" in phase {phase}" if phase else ""), phase
        if now >= phase_deadline:
            return f"timeout in phase {phase}: over {limits.phase_s:g} s", phase
        wait = min(deadline, phase_deadline) - now
        if not listening:
            ended(min(wait, 0.5))
            continue
        ready, _, _ = select.select([phase_fd], [], [], min(wait, 0.5))
        if not ready:
            continue
        chunk = os.read(phase_fd, 4096)
        if not chunk:
            listening = False
            continue
        buffer, announced = _phase_lines(buffer, chunk)
        for name in announced:
            phase = name
            phase_deadline = deadline if name in UNBUDGETED_PHASES else time.perf_counter() + limits.phase_s
    while listening and select.select([phase_fd], [], [], 0)[0]:  # what it announced just before the end
        chunk = os.read(phase_fd, 4096)
        buffer, announced = _phase_lines(buffer, chunk)
        phase = announced[-1] if announced else phase
        listening = bool(chunk)
    return None, phase


def _phase_lines(buffer: bytes, chunk: bytes) -> tuple[bytes, list[str]]:
    buffer = (buffer + chunk)[-4096:]
    *lines, buffer = buffer.split(b"\n")
    names = [line.decode("ascii", "replace").strip() for line in lines]
    return buffer, [n for n in names if n in phases.PHASES]


def result(returncode: int | None, raw: bytes, token: str, timeout: str | None, limits: Limits,
           out_fd: int, err_fd: int, start: float) -> SandboxResult:
    """The `SandboxResult` of a child that exited with `returncode` (bwrap's convention: 128 + N
    for signal N) and wrote `raw` to its verdict channel."""
    res = SandboxResult(
        ok=False, exit_code=returncode, timed_out=timeout is not None, seconds=time.perf_counter() - start,
        stdout_tail=_tail(out_fd, limits.output_kb), stderr_tail=_tail(err_fd, limits.output_kb),
    )
    # bwrap reports a child killed by signal N as exit code 128 + N.
    code = returncode or 0
    died_by = -code if code < 0 else code - 128
    if 0 < died_by < 65:
        try:
            res.signal = signal.Signals(died_by).name
        except ValueError:
            res.signal = str(died_by)
    if timeout is not None:
        res.error = timeout
        return res
    try:
        doc = decode_verdict(raw) if raw else None
        malformed = ""
    except ValueError as err:
        doc, malformed = None, str(err)
    if not isinstance(doc, dict) or doc.get("token") != token:
        last = res.stderr_tail.strip().splitlines()[-1:] or [""]
        how = f"signal {res.signal}" if res.signal else f"exit code {returncode}"
        what = ("without a verdict" if not raw else f"with a malformed verdict ({malformed})" if malformed
                else "with a verdict that is not the sandbox's")
        if returncode == 0 and raw and not malformed and isinstance(doc, dict):
            what = "with a verdict that is not the sandbox's"
        res.error = f"the sandboxed process died ({how}) {what}: {printable(last[0], 300)}"
        return res
    res.violations = [printable(v, 500) for v in list(doc.get("violations") or [])[:200]]
    res.isolation = {printable(k, 100): printable(v, 200) for k, v in dict(doc.get("isolation") or {}).items()}
    if doc.get("ok"):
        res.ok, res.result = True, doc.get("result")
    else:
        res.error = printable(doc.get("error", "unknown error"))
        res.extra = {"traceback": printable(doc.get("traceback", ""), 4000, lines=True)}
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
