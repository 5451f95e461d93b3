"""Run the browser on a thread of the calling process (uvicorn), e.g. next to the MLflow UI."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

from gensim.web.app import State, make_app

READY_TIMEOUT_S = 15.0  # seconds the server gets to start listening


@dataclass
class Running:
    """A started browser: its URL and how to stop it."""

    url: str
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True  # type: ignore[attr-defined]
        self.thread.join(timeout=10)


def start_browser(host: str = "127.0.0.1", port: int = 0, state: State | None = None) -> Running:
    """Serve the browser on `host`:`port` (0: a free port) in a daemon thread; returns once it listens."""
    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(make_app(state), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="gensim-web")
    thread.start()
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return Running(f"http://{shown}:{bound}", server, thread)
