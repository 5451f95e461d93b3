"""Runs left RUNNING by a process that died (SIGKILL, power loss) are closed as KILLED.

Every run gensim opens carries the tags `gensim.host` (this machine's name), `gensim.pid` and
`gensim.pid_start` (the process's start time in clock ticks since boot, from /proc). The first
run a process opens in an experiment first looks there for RUNNING runs of the same host whose
process is gone, or whose pid now belongs to another process (a different start time), and ends
them as KILLED with the tag `gensim.closed_because`.

Why a pid/host/start-time check and not a heartbeat: a heartbeat needs a writer thread in every
command and a timeout to guess (a command blocked for a long time, e.g. on a slow sandbox or a
loaded machine, would be declared dead while alive; a short timeout means many writes to the
store). The liveness check is exact on the host that ran the process and costs one search when a
command starts. Runs of other hosts (a shared tracking server) are left alone: their liveness
cannot be known from here.

`note_open`/`note_closed` keep the runs this process holds open; on an interrupt the console
script ends the ones still open (`end_open`) as KILLED before it exits.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Any

HOST_TAG, PID_TAG, START_TAG = "gensim.host", "gensim.pid", "gensim.pid_start"
_open: dict[str, Any] = {}  # run id -> its Tracker
_swept: set[tuple[str, str]] = set()  # (tracking URI, experiment id) looked at by this process
_lock = threading.Lock()


def _start_time(pid: int) -> str | None:
    """The start time of process `pid` (clock ticks since boot), or None if there is none."""
    try:
        text = open(f"/proc/{pid}/stat").read()  # noqa: SIM115 - one short read
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()[19]


def owner_tags() -> dict[str, str]:
    """The tags that name this process as a run's owner."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid()),
            START_TAG: _start_time(os.getpid()) or ""}


def owner_gone(tags: dict[str, str]) -> bool:
    """Whether the process named by a run's tags ran on this host and no longer runs."""
    if tags.get(HOST_TAG) != socket.gethostname() or not tags.get(PID_TAG, "").isdigit():
        return False
    started = _start_time(int(tags[PID_TAG]))
    return started is None or (bool(tags.get(START_TAG)) and started != tags[START_TAG])


def sweep(tracker: Any, experiment_id: str) -> None:
    """End as KILLED the RUNNING runs of `experiment_id` whose process died (once per process)."""
    key = (tracker.uri, experiment_id)
    with _lock:
        if key in _swept:
            return
        _swept.add(key)
    runs = tracker.call("search_runs", [experiment_id], max_results=1000,
                        filter_string=f"attributes.status = 'RUNNING' and tags.`{HOST_TAG}` = "
                                      f"'{socket.gethostname()}'")
    for run in runs or []:
        if owner_gone(run.data.tags):
            tracker.call("set_tag", run.info.run_id, "gensim.closed_because",
                         f"its process {run.data.tags.get(PID_TAG)} ended without closing it")
            tracker.call("set_terminated", run.info.run_id, "KILLED")


def note_open(tracker: Any, run_id: str) -> None:
    with _lock:
        _open[run_id] = tracker


def note_closed(run_id: str | None) -> None:
    with _lock:
        _open.pop(run_id or "", None)


def end_open(status: str = "KILLED") -> None:
    """End every run this process opened and has not ended (on an interrupt)."""
    with _lock:
        runs = list(_open.items())
        _open.clear()
    for run_id, tracker in runs:
        tracker.call("set_terminated", run_id, status)
