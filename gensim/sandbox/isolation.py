"""Kernel-level isolation the child applies to itself before any task code is loaded.

- `isolate_network()`: a new, empty network namespace (`unshare(CLONE_NEWNET)`; as a non-root
  user together with a new user namespace). Where the kernel refuses, the audit hook's socket
  ban is the only network barrier; the returned mode says which one is in force.
- `drop_privileges()`: a child started as root switches to an unprivileged uid (`nobody`), so
  that `RLIMIT_NPROC` applies (the kernel exempts root) and ordinary file permissions protect the
  task DB, the MLflow store and home folders even from code that bypasses Python (C extensions).
- `die_with_parent()`: `PR_SET_PDEATHSIG`, so a child whose parent is SIGKILLed dies too.
Python 3.11 has no `os.unshare`, so these go through libc with ctypes (before the audit hook
bans ctypes).
"""

from __future__ import annotations

import os
import signal

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
NOBODY = 65534


def _libc() -> object | None:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def isolate_network() -> str:
    """Move this process into an empty network namespace; returns the mode now in force:
    "netns" (no interfaces but a down loopback) or "audit-hook" (the kernel refused)."""
    unshare = getattr(os, "unshare", None)  # Python 3.12+
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if unshare is not None:
            try:
                unshare(flags)
                return "netns"
            except OSError:
                continue
        libc = _libc()
        if libc is not None and libc.unshare(flags) == 0:  # type: ignore[attr-defined]
            return "netns"
    return "audit-hook"


def drop_privileges(scratch: str) -> str:
    """As root: become uid/gid `nobody` (the scratch folder must already belong to it).

    Returns the user the job runs as ("nobody" or "unchanged")."""
    if os.geteuid() != 0:
        return "unchanged"
    try:
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
    except OSError:
        return "unchanged"
    os.environ["HOME"] = scratch
    return "nobody"


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (set after any uid change,
    which clears the setting); exits at once if the parent is already gone."""
    libc = _libc()
    if libc is not None:
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)  # type: ignore[attr-defined]
    if os.getppid() != parent_pid:
        os._exit(70)
