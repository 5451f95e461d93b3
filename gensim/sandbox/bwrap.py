"""The kernel boundary: the bubblewrap (`bwrap`) command line that every sandboxed child runs in.

`command(...)` builds it: new user (uid 65534 inside), pid, net, ipc and uts namespaces; a new
mount namespace that holds only read-only binds of what the child needs (the system libraries
under /usr, the interpreter's prefix, the virtual environment, the gensim package, folders the
caller names) and, writable, a size-capped tmpfs at /tmp (scratch, HOME and working folder) plus
the caller's `out_dir`; a fresh /proc, a minimal /dev; the root and /dev remounted read-only (the
tmpfs is the only place the child can create files); a cleared environment; the child killed
with its parent and in a new session; a seccomp filter (`seccomp_filter`). `as_pid_1` runs the
command as the pid namespace's init (the warm sandbox's fork server, `gensim.sandbox.forkserver`:
its children cannot signal it).

`ensure_available(path)` checks once per process that bwrap exists and can create the
namespaces; where it cannot, `SandboxUnavailable` says in one line how to enable it. There is
no fallback: untrusted code does not run without the boundary.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from gensim.errors import GensimError

UID = 65534  # the child's uid and gid inside its user namespace ("nobody")
SCRATCH = "/tmp"  # the child's tmpfs: scratch folder, HOME, TMPDIR and working folder
HOW_TO_ENABLE = ("install bubblewrap (`apt-get install bubblewrap`, or `make setup`) and allow unprivileged "
                 "user namespaces (`sysctl -w kernel.unprivileged_userns_clone=1` or, on Ubuntu, "
                 "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`)")


class SandboxUnavailable(GensimError):
    """bwrap is missing or cannot create namespaces here: untrusted code is refused."""


@functools.lru_cache(maxsize=8)
def _probe(path: str) -> str | None:
    """None when `path` runs a sandbox here, else why not (one line)."""
    exe = shutil.which(path)
    if exe is None:
        return f"bubblewrap not found ({path!r})"
    try:
        proc = subprocess.run(
            [exe, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
             "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--uid", str(UID), "--gid", str(UID),
             "--die-with-parent", "--new-session", "--clearenv", "true"],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bubblewrap ({exe}) cannot start: {err}"
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        return f"bubblewrap ({exe}) cannot create the sandbox's namespaces: {why[0][:200]}"
    return None


def ensure_available(path: str) -> str:
    """The bwrap executable to use; raises `SandboxUnavailable` (one line) when it cannot run."""
    why = _probe(path)
    if why is not None:
        raise SandboxUnavailable(f"refusing to run untrusted task code: {why}; to enable the sandbox, {HOW_TO_ENABLE}")
    return str(shutil.which(path))


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib32", "lib64", "sbin"):
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    if Path("/etc/ld.so.cache").is_file():  # library look-up only: no users, no hosts, no secrets
        args += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    return args


def read_only_roots(package_dir: str, extra: Iterable[str] = ()) -> list[str]:
    """The folders the child sees read-only: the interpreter's prefixes, the folders of the
    interpreter and of its libraries, the gensim package, and `extra` (outermost only)."""
    roots = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix, package_dir, *extra)}
    roots.add(os.path.dirname(os.path.realpath(sys.executable)))
    roots.add(os.path.dirname(os.path.abspath(sys.executable)))
    for entry in sys.path:  # site-packages outside the prefixes (e.g. a user's --target install)
        if entry and "site-packages" in entry and os.path.isdir(entry):
            roots.add(os.path.realpath(entry))
    kept = sorted(r for r in roots if not r.startswith("/usr/") and r != "/usr" and os.path.exists(r))
    return [r for r in kept if not any(r != o and r.startswith(o.rstrip("/") + "/") for o in kept)]


def command(bwrap: str, argv: Sequence[str], *, env: dict[str, str], package_dir: str,
            read_only: Iterable[str] = (), writable: Iterable[str] = (), scratch_mb: int = 256,
            seccomp_fd: int | None = None, as_pid_1: bool = False) -> list[str]:
    """The bwrap command line that runs `argv` inside the boundary."""
    args = [bwrap, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--uid", str(UID), "--gid", str(UID), "--hostname", "sandbox",
            "--die-with-parent", "--new-session", "--clearenv"]
    args += _system_binds()
    # The tmpfs first: binds under /tmp (a package in a temporary checkout, an out_dir) go on top.
    args += ["--size", str(scratch_mb * 1024 * 1024), "--tmpfs", SCRATCH]
    for root in read_only_roots(package_dir, read_only):
        args += ["--ro-bind", root, root]
    for folder in writable:
        args += ["--bind", folder, folder]
    args += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", SCRATCH]
    if as_pid_1:
        args += ["--as-pid-1"]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    return [*args, "--", *argv]


# seccomp ------------------------------------------------------------------------------------
# A classic BPF program over `struct seccomp_data` {int nr; u32 arch; u64 ip; u64 args[6]}.
_LD_W_ABS, _JEQ_K, _JSET_K, _JGE_K, _RET_K = 0x20, 0x15, 0x45, 0x35, 0x06
_RET_ALLOW, _RET_KILL = 0x7FFF0000, 0x80000000
_EPERM, _EAGAIN, _ENOSYS = 1, 11, 38
_CLONE_THREAD = 0x00010000
# Per architecture: audit arch, syscalls refused with EPERM, clone, clone3.
_ARCH = {
    "x86_64": (0xC000003E, {"fork": 57, "vfork": 58, "ptrace": 101, "setns": 308, "unshare": 272, "mount": 165,
                            "pivot_root": 155, "bpf": 321, "perf_event_open": 298, "keyctl": 250,
                            "add_key": 248, "request_key": 249, "userfaultfd": 323,
                            "process_vm_readv": 310, "process_vm_writev": 311, "kexec_load": 246,
                            "shmget": 29, "semget": 64, "msgget": 68, "mq_open": 240},
               56, 435),
    "aarch64": (0xC00000B7, {"ptrace": 117, "setns": 268, "unshare": 97, "mount": 40, "pivot_root": 41,
                             "bpf": 280, "perf_event_open": 241, "keyctl": 219, "add_key": 217,
                             "request_key": 218, "userfaultfd": 282, "process_vm_readv": 270,
                             "process_vm_writev": 271, "kexec_load": 104, "shmget": 194, "semget": 190,
                             "msgget": 186, "mq_open": 180},
                220, 435),
}


def _ins(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def seccomp_filter(processes: bool = False) -> bytes | None:
    """The child's seccomp program, or None on an architecture it does not know.

    No new processes (fork, vfork, clone without CLONE_THREAD: threads are allowed; clone3 says
    ENOSYS so that the C library falls back to clone), no namespace changes (setns, unshare),
    no ptrace or reading other processes' memory, no mount, bpf, perf, keyrings, userfaultfd,
    no System V or POSIX message queue IPC objects (they would outlive the process).
    A call from another architecture's table (x32) kills the process.
    `processes=True` leaves out the process rules: the program of a warm sandbox's fork server,
    whose forked children each add the full program before they load any job.
    """
    entry = _ARCH.get(platform.machine())
    if entry is None:
        return None
    arch, refused, clone, clone3 = entry
    if processes:
        refused = {k: v for k, v in refused.items() if k not in ("fork", "vfork")}
    numbers = sorted(refused.values())
    prog = [_ins(_LD_W_ABS, 0, 0, 4), _ins(_JEQ_K, 1, 0, arch), _ins(_RET_K, 0, 0, _RET_KILL),
            _ins(_LD_W_ABS, 0, 0, 0)]
    if arch == 0xC000003E:  # x32 numbers share the arch: refuse them all
        prog += [_ins(_JGE_K, 0, 1, 0x40000000), _ins(_RET_K, 0, 0, _RET_KILL)]
    for nr in numbers:
        prog += [_ins(_JEQ_K, 0, 1, nr), _ins(_RET_K, 0, 0, 0x00050000 | _EPERM)]
    prog += [_ins(_JEQ_K, 0, 1, clone3), _ins(_RET_K, 0, 0, 0x00050000 | _ENOSYS)]
    if processes:
        return b"".join([*prog, _ins(_RET_K, 0, 0, _RET_ALLOW)])
    prog += [_ins(_JEQ_K, 1, 0, clone), _ins(_RET_K, 0, 0, _RET_ALLOW)]
    # clone: flags are args[0]; its low 32 bits are at offset 16 on a little-endian machine.
    offset = 16 if sys.byteorder == "little" else 20
    prog += [_ins(_LD_W_ABS, 0, 0, offset), _ins(_JSET_K, 0, 1, _CLONE_THREAD), _ins(_RET_K, 0, 0, _RET_ALLOW),
             _ins(_RET_K, 0, 0, 0x00050000 | _EAGAIN)]
    return b"".join(prog)
