"""A warm sandbox's fork server: pid 1 of a bwrap sandbox that forks one fresh child per job.

`gensim.sandbox.pool` starts it behind the same boundary as a cold child (`bwrap.command` with
`as_pid_1`, a seccomp program without the process rules) with a start-up request on stdin: the
job's module, the control socket's descriptor, the full seccomp program. Then:
1. import the job's module and the preloaded modules once (`child.load_job`), call the job
   module's `sandbox_warm_up()` if it has one (e.g. `gensim.tasks.episode.warm_up`: an empty
   scene built once, so that no job pays PyBullet's first-call costs), note the module table, make itself undumpable (no process of the sandbox can
   read or write its memory through /proc), note what the scratch tmpfs holds, say "ready";
2. per job: receive the request, verdict, stdout, stderr and phase descriptors (SCM_RIGHTS) and
   fork. The child starts a new session, points stdout/stderr at the job's memfds, closes every
   other descriptor of the server (the control socket included), reseeds numpy's global
   generator, applies the job's rlimits, adds the full seccomp program (it cannot fork), forgets
   the modules the server imported for itself, and runs `child.serve` as a cold child does;
3. wait for the child; answer "done <wait status>"; wipe the tmpfs back to what it held at start
   and check that no other process lives in the namespace; answer "ready", or "dirty <why>" and
   exit (the parent then starts a new sandbox).
One job at a time. Nothing of a job reaches the next: its process is gone (it could not fork,
its threads died with it), the only place it could write is the wiped tmpfs (the root and /dev
are read-only), it cannot create IPC objects (seccomp), and as the namespace's init the server
receives no signal from its children (the kernel drops those it has no handler for). Payloads
and verdicts never pass through the server: the child reads and writes the parent's memfds.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from typing import Any

from gensim.sandbox import child, phases

SCRATCH = "/tmp"  # the sandbox's tmpfs (`bwrap.SCRATCH`)
FDS_PER_JOB = 5  # request, verdict, stdout, stderr, phase pipe
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 4, 38, 22, 2


def _prctl() -> Any:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


def _filter_arg(program: bytes) -> tuple[Any, int]:
    """A `struct sock_fprog` for `program` (kept alive by the caller) and its address."""
    import ctypes

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    fprog = SockFprog(len(program) // 8, program)
    return fprog, ctypes.addressof(fprog)


def _entries(root: str, dev: int, fix: bool = False) -> dict[str, int]:
    """Every path under `root` on the device `dev` and its mode (mounts on top of it are not
    entered). `fix`: give each folder back its owner's rights before reading it (a job may have
    taken them away; `wipe` restores the modes of the folders it keeps)."""
    found: dict[str, int] = {}
    if fix:
        os.chmod(root, 0o700)
    for entry in os.scandir(root):
        st = entry.stat(follow_symlinks=False)
        found[entry.path] = st.st_mode
        if stat.S_ISDIR(st.st_mode) and st.st_dev == dev:
            found |= _entries(entry.path, dev, fix)
    return found


def _remove(path: str) -> None:
    if not stat.S_ISDIR(os.lstat(path).st_mode):
        os.unlink(path)
        return
    for entry in os.scandir(path):
        _remove(entry.path)
    os.rmdir(path)


def wipe(keep: dict[str, int], dev: int, mode: int) -> None:
    """Put the tmpfs back as it was at start-up: `keep` (path -> mode), the tmpfs's own `mode`."""
    for path in sorted(set(_entries(SCRATCH, dev, fix=True)) - set(keep), key=len):
        if os.path.lexists(path):  # not removed with its folder already
            _remove(path)
    for path, kept in keep.items():
        if stat.S_ISDIR(kept) and os.lstat(path).st_dev == dev:
            os.chmod(path, stat.S_IMODE(kept))
    os.chmod(SCRATCH, stat.S_IMODE(mode))


def _alone() -> bool:
    return [p for p in os.listdir("/proc") if p.isdigit() and p != str(os.getpid())] == []


def _run_child(fds: list[int], prctl: Any, seccomp: tuple[Any, int] | None, cold_view: set[str]) -> None:
    """The forked child (see the module docstring); never returns."""
    request_fd, verdict_fd, out_fd, err_fd, phase_fd = fds
    try:
        os.setsid()
        raw = b""
        os.lseek(request_fd, 0, os.SEEK_SET)
        while chunk := os.read(request_fd, 1 << 20):
            raw += chunk
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        keep = sorted({0, 1, 2, verdict_fd, phase_fd})
        for low, high in zip(keep, [*keep[1:], 1 << 20], strict=True):
            os.closerange(low + 1, high)
        request = json.loads(raw)
        request["verdict_fd"], request["phase_fd"] = verdict_fd, phase_fd
        import numpy

        numpy.random.seed()  # a cold child's global generator is seeded afresh; random reseeds at fork
        child.apply_rlimits(request.get("rlimits") or {})
        if seccomp is not None:
            if prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                                                                   seccomp[1], 0, 0) != 0:
                os._exit(71)  # never run a job without the full filter
        for name in set(sys.modules) - cold_view:
            del sys.modules[name]
        phases.configure(phase_fd)
        fn, failed = child.load_job(str(request["job"]))
        child.serve(request, fn, failed)
    finally:
        os._exit(70)


def main() -> None:
    init = json.loads(sys.stdin.buffer.read())
    from gensim.sandbox import guard  # noqa: F401 - as a cold child: the guard before any job

    child.load_job(str(init["job"]))
    hook = getattr(sys.modules.get(str(init["job"]).partition(":")[0]), "sandbox_warm_up", None)
    if callable(hook):  # the job's own first-call costs, paid once (gensim code: nothing untrusted yet)
        try:
            hook()
        except Exception:  # noqa: BLE001 - a job that cannot warm up still runs, only slower
            pass
    import numpy

    numpy.random.seed()  # its first call in a process costs ~40 ms: paid once here, not per job
    cold_view = set(sys.modules)
    import socket

    prctl = _prctl()
    program = base64.b64decode(init["seccomp"]) if init.get("seccomp") else b""
    seccomp = _filter_arg(program) if program else None
    ctl = socket.socket(fileno=int(init["ctl_fd"]))
    if prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        ctl.send(b"dirty: cannot make the fork server undumpable")
        os._exit(1)
    if len(os.listdir("/proc/self/task")) != 1:
        ctl.send(b"dirty: the fork server has more than one thread after the preloading")
        os._exit(1)
    dev, mode = os.stat(SCRATCH).st_dev, os.stat(SCRATCH).st_mode
    keep = _entries(SCRATCH, dev)
    import gc

    gc.freeze()  # the children's collector leaves the server's objects alone (fewer copied pages)
    ctl.send(b"ready")
    while True:
        msg, fds, _, _ = socket.recv_fds(ctl, 64, FDS_PER_JOB)
        if not msg or len(fds) != FDS_PER_JOB:
            os._exit(0)  # the parent is gone (or confused): the sandbox ends
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _run_child(fds, prctl, seccomp, cold_view)
        for fd in fds:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
        ctl.send(b"done %d" % status)
        try:
            wipe(keep, dev, mode)
        except OSError as err:
            ctl.send(f"dirty: cannot wipe the scratch folder: {err}".encode()[:200])
            os._exit(1)
        if not _alone() or _entries(SCRATCH, dev) != keep or os.stat(SCRATCH).st_mode != mode:
            ctl.send(b"dirty: the job left a process or a file")
            os._exit(1)
        ctl.send(b"ready")


if __name__ == "__main__":
    main()
