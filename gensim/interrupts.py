"""How a command ends on Ctrl-C (SIGINT) or SIGTERM: one line, exit 130 or 143, nothing lost.

`install()` (called by the console script first, before its imports) makes a signal end the
process at once with one line until `started()` (the command's code is about to run); then
both signals raise
`KeyboardInterrupt` in the main thread, first killing the live sandbox process groups
(`gensim.sandbox.registry`, which also stops new sandboxes from starting). Later signals during
the clean-up are ignored, so `finally` blocks (dataset lock, DB status, MLflow run ended as
KILLED) run to their end. A library function that knows what it kept re-raises the interrupt as
`Interrupted("57 episodes kept in ...; rerun ...")`; the console script prints
`interrupted: <that>` and exits with `exit_code()` (128 + the signal number).

Worker processes (the demo pool) call `ignore_in_worker()` first: a Ctrl-C in a terminal goes
to the whole foreground process group, and the parent alone decides what happens (it stops the
workers itself), so no worker prints a traceback.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_state: dict[str, Any] = {"signal": None, "installed": False, "started": False}
STARTING = "stopped during start-up, before anything was stored; rerun the same command"


class Interrupted(KeyboardInterrupt):
    """A `KeyboardInterrupt` that says what was kept and how to resume (one line)."""

    def __init__(self, kept: str) -> None:
        super().__init__(kept)
        self.kept = kept


def received() -> int | None:
    """The number of the first signal this process received, or None."""
    return _state["signal"]  # type: ignore[no-any-return]


def exit_code() -> int:
    """128 + the signal number: 130 for SIGINT (also a Ctrl-C seen without the handler), 143
    for SIGTERM."""
    return 128 + int(received() or signal.SIGINT)


def _on_signal(signum: int, frame: Any) -> None:
    from gensim.sandbox import registry

    registry.mark_interrupted()
    registry.kill_all()
    if _state["signal"] is not None:
        return  # already winding down: let the clean-up finish
    _state["signal"] = signum
    if not _state["started"]:  # still importing: nothing to clean up, nowhere to catch it
        import os
        import sys

        sys.stderr.write(f"interrupted: {STARTING}\n")
        sys.stderr.flush()
        os._exit(exit_code())
    raise KeyboardInterrupt


def install() -> None:
    """SIGINT and SIGTERM raise `KeyboardInterrupt` in the main thread (once per process)."""
    if _state["installed"] or threading.current_thread() is not threading.main_thread():
        return
    _state["installed"] = True
    for sig in SIGNALS:
        signal.signal(sig, _on_signal)


def started() -> None:
    """From now on a signal raises `KeyboardInterrupt` (before: the process ends at once)."""
    _state["started"] = True


def ignore_in_worker() -> None:
    """In a worker process: ignore SIGINT (the parent coordinates), and die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: a parent killed by SIGKILL takes us along
    except (OSError, AttributeError):
        pass
