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
