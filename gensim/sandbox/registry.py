"""The live sandbox processes of this (parent) process, killed when the parent stops.

Every child runs in its own process group. `register`/`unregister` track them; `kill_all()`
sends SIGKILL to every live group. It runs at interpreter exit (`atexit`), on SIGTERM/SIGHUP
(then the previous disposition applies) and on Ctrl-C (SIGINT: the groups die at once, then
`KeyboardInterrupt` is raised as usual; a process that ignores SIGINT, such as a demo worker,
keeps ignoring it). After an interruption `interrupted()` is true and no
new child is started, so a campaign's worker threads wind down instead of starting more checks.
`running(pid)` marks the sandbox the calling thread runs a job in, so that `stop(threads)` can
end the jobs of some threads only (those inside `stoppable()`: an executor that stops early) and
leave the other sandboxes of the process alone.
The signal handlers only call `os.killpg` on a copied list: no locks, nothing that allocates
much, safe at any point of the main thread.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

_live: dict[int, int] = {}  # child pid -> process group id
_lock = threading.Lock()
_state = {"interrupted": False, "installed": False, "atexit": False}
_previous: dict[int, Any] = {}
_jobs: dict[int, int] = {}  # thread ident -> process group id of the sandbox running its job
_stops: dict[int, bool] = {}  # thread ident (inside `stoppable`) -> whether `stop` was called for it


def _forget_after_fork() -> None:
    global _lock
    _lock = threading.Lock()
    _live.clear()  # the parent's sandboxes: a forked copy must not kill them when it exits
    _jobs.clear()
    _stops.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def register(pid: int) -> None:
    """Track a child whose process group id is its pid."""
    with _lock:
        _live[pid] = pid


def unregister(pid: int) -> None:
    with _lock:
        _live.pop(pid, None)


@contextmanager
def stoppable() -> Iterator[None]:
    """The calling thread's sandboxed jobs until the block ends can be stopped by `stop`."""
    ident = threading.get_ident()
    with _lock:
        _stops[ident] = False
    try:
        yield
    finally:
        with _lock:
            _stops.pop(ident, None)


def stopped() -> bool:
    """Whether `stop` was called for the calling thread (inside `stoppable`)."""
    return _stops.get(threading.get_ident(), False)


@contextmanager
def running(pid: int) -> Iterator[None]:
    """While the calling thread runs (or waits to run) a job in the sandbox of process group
    `pid`; a thread already stopped has it killed at once."""
    ident = threading.get_ident()
    with _lock:
        _jobs[ident] = pid
        kill = _stops.get(ident, False)
    if kill:
        _kill_group(pid)
    try:
        yield
    finally:
        with _lock:
            _jobs.pop(ident, None)


def stop(threads: Iterable[int]) -> None:
    """Stop the threads `threads` (idents, each inside `stoppable`): SIGKILL the sandbox each runs
    a job in now (the job ends at once with a result that says so), and start none for them later."""
    with _lock:
        groups = []
        for ident in threads:
            if ident in _stops:
                _stops[ident] = True
                if ident in _jobs:
                    groups.append(_jobs[ident])
    for group in groups:
        _kill_group(group)


def _kill_group(group: int) -> None:
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def live() -> list[int]:
    """Process group ids of the sandboxes still running."""
    return list(_live.values())


def interrupted() -> bool:
    """Whether this process was interrupted (no new sandbox starts afterwards)."""
    return bool(_state["interrupted"])


def mark_interrupted() -> None:
    """No new sandbox starts from now on (called by `gensim.interrupts` on a signal)."""
    _state["interrupted"] = True


def kill_all() -> None:
    """SIGKILL every live sandbox process group (idempotent; signal-safe)."""
    for group in list(_live.values()):
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _on_signal(signum: int, frame: Any) -> None:
    _state["interrupted"] = True
    kill_all()
    previous = _previous.get(signum)
    if callable(previous):
        previous(signum, frame)
        return
    if previous == signal.SIG_IGN:
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def install() -> None:
    """Register the exit hook and, from the main thread, the signal handlers (once)."""
    if not _state["atexit"]:
        _state["atexit"] = True
        atexit.register(kill_all)
    if _state["installed"] or threading.current_thread() is not threading.main_thread():
        return
    _state["installed"] = True
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        current = signal.getsignal(sig)
        if current in (None, _on_signal, signal.SIG_IGN):
            continue  # a worker ignoring Ctrl-C leaves its sandboxes to its parent
        if sig != signal.SIGINT and current not in (signal.SIG_DFL,):
            continue  # somebody else handles it: leave it alone
        _previous[sig] = current
        signal.signal(sig, _on_signal)
