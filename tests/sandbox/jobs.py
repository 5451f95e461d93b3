"""Small jobs used by the sandbox's own tests (they exercise limits, deaths and the guard)."""

from __future__ import annotations

import os
import time
from typing import Any


def echo(payload: dict[str, Any]) -> dict[str, Any]:
    return {"echo": payload, "secret_seen": any("KEY" in k for k in os.environ), "cwd": os.getcwd()}


def sleep(payload: dict[str, Any]) -> None:
    time.sleep(float(payload.get("seconds", 60)))


def crash(payload: dict[str, Any]) -> None:
    import faulthandler

    faulthandler._sigsegv()  # type: ignore[attr-defined]


def exit_now(payload: dict[str, Any]) -> None:
    os._exit(int(payload.get("code", 3)))


def raise_error(payload: dict[str, Any]) -> None:
    raise ValueError("bad task")


def eat_memory(payload: dict[str, Any]) -> int:
    blocks = [bytearray(64 * 1024 * 1024) for _ in range(int(payload.get("blocks", 200)))]
    return len(blocks)


def write_file(payload: dict[str, Any]) -> str:
    with open(payload["path"], "w") as fh:
        fh.write("x")
    return str(payload["path"])


def connect(payload: dict[str, Any]) -> str:
    import socket

    with socket.create_connection((payload.get("host", "1.1.1.1"), 80), timeout=2):
        return "connected"


def hang_in_phase(payload: dict[str, Any]) -> None:
    from gensim.sandbox import phases

    for name in payload.get("before", []):
        phases.enter(name)
    phases.enter(payload["phase"])
    time.sleep(float(payload.get("seconds", 600)))


def deep_result(payload: dict[str, Any]) -> Any:
    value: Any = []
    for _ in range(int(payload.get("depth", 3000))):
        value = [value]
    return value


def raise_text(payload: dict[str, Any]) -> None:
    raise ValueError(payload["text"])


def fill_scratch(payload: dict[str, Any]) -> str:
    block = b"\0" * (1 << 20)
    for i in range(int(payload.get("files", 16))):
        with open(f"/tmp/fill-{i}", "wb") as fh:
            for _ in range(int(payload.get("mib", 60))):
                fh.write(block)
    return "filled"


def look_around(payload: dict[str, Any]) -> dict[str, Any]:
    """What the child can see of the machine (run as trusted job code: the guard does not help)."""
    seen: dict[str, Any] = {"uid": os.getuid(), "root": sorted(os.listdir("/")), "pid": os.getpid()}
    for path in payload.get("paths", []):
        seen[path] = os.path.exists(path)
    try:
        seen["pid1_environ"] = open("/proc/1/environ", "rb").read().decode("latin-1")
    except OSError as err:
        seen["pid1_environ"] = f"error {err.errno}"
    seen["env"] = sorted(os.environ)
    return seen


def fork_raw(payload: dict[str, Any]) -> str:
    """A new process through the C-level primitive that raises no audit event."""
    import _posixsubprocess  # type: ignore[import-not-found]

    read_end, write_end = os.pipe()
    try:
        pid = _posixsubprocess.fork_exec(
            ["/bin/true"], [b"/bin/true"], True, (write_end,), None, None, -1, -1, -1, -1, -1, -1,
            read_end, write_end, False, False, -1, None, None, None, -1, None, True)
    except OSError as err:
        return f"refused: {err.strerror}"
    return f"forked {pid}"


def fork_plain(payload: dict[str, Any]) -> str:
    try:
        pid = os.fork()
    except OSError as err:
        return f"refused: {err.strerror}"
    if pid == 0:
        os._exit(0)
    return f"forked {pid}"


def setns_parent(payload: dict[str, Any]) -> str:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/proc/1/ns/net", os.O_RDONLY)
    if libc.setns(fd, 0) != 0:
        return f"refused: errno {ctypes.get_errno()}"
    return "entered"


def poison(payload: dict[str, Any]) -> dict[str, str]:
    """Everything a job could try to leave for the next job of a warm sandbox (run with the guard
    off: only the kernel boundary and the fork server stand in its way). What each try gave."""
    import ctypes
    import json
    import signal
    import threading

    import gensim.sandbox.child as child_module

    tried: dict[str, str] = {}

    def attempt(name: str, action: Any) -> None:
        try:
            tried[name] = f"done {action()}"
        except BaseException as err:  # noqa: BLE001
            tried[name] = f"refused {type(err).__name__}: {err}"

    os.makedirs("/tmp/locked/deeper")
    with open("/tmp/locked/deeper/poison.py", "w") as fh:
        fh.write("POISONED = True\n")
    os.symlink("/", "/tmp/root-link")
    os.mkfifo("/tmp/fifo")
    os.chmod("/tmp/locked/deeper", 0)
    os.chmod("/tmp/locked", 0)
    attempt("chmod_scratch", lambda: os.chmod("/tmp", 0o500))
    attempt("root_file", lambda: open("/poison", "w").close())
    attempt("dev_file", lambda: open("/dev/shm/poison", "w").close())
    attempt("package_file", lambda: open(os.path.join(os.path.dirname(child_module.__file__), "x.py"), "w").close())
    child_module.PRELOAD = ("poisoned",)  # type: ignore[assignment]
    json.dumps = lambda *a, **k: "poisoned"  # type: ignore[assignment]
    os.environ["POISON"] = "1"
    libc = ctypes.CDLL(None, use_errno=True)
    attempt("shmget", lambda: libc.shmget(0, 4096, 0o1666) if libc.shmget(0, 4096, 0o1666) >= 0
            else (_ for _ in ()).throw(OSError(ctypes.get_errno(), "shmget")))
    attempt("proc1_mem", lambda: open("/proc/1/mem", "r+b").close())
    attempt("kill_server_term", lambda: os.kill(1, signal.SIGTERM))
    attempt("kill_server", lambda: os.kill(1, signal.SIGKILL))
    attempt("fork", lambda: os.fork())
    threading.Thread(target=time.sleep, args=(3600,)).start()  # a thread that would outlive the job
    return tried


def probe(payload: dict[str, Any]) -> dict[str, Any]:
    """What a job finds when it starts (see `poison`)."""
    import json
    import random

    import numpy as np

    import gensim.sandbox.child as child_module

    return {"tmp": sorted(os.listdir("/tmp")), "root": sorted(os.listdir("/")),
            "shm": sorted(os.listdir("/dev/shm")), "env": "POISON" in os.environ,
            "preload_intact": child_module.PRELOAD != ("poisoned",), "json_intact": json.dumps(1) == "1",
            "pid": os.getpid(), "ppid": os.getppid(), "threads": len(os.listdir("/proc/self/task")),
            "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
            "numpy": float(np.random.random()), "random": random.random(), "tmp_mode": os.stat("/tmp").st_mode}
