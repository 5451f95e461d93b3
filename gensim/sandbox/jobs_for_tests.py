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
