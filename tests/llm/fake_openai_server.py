"""A fake OpenAI-compatible HTTP server for tests (stdlib `http.server` on 127.0.0.1, free port).

It implements `POST /v1/chat/completions` and `GET /v1/models`. Answers come from a script
(a queue of actions, consumed one per chat request) and, once the script is empty, from the
`responder(body, index)` (default: a text derived from the request and its arrival index). Actions can
inject a 429 with Retry-After, a 5xx, a slow reply (client timeout), malformed JSON and empty
content. Every received chat request body is kept in `requests`.

Reuse elsewhere: `from tests.llm.fake_openai_server import FakeOpenAIServer` (tests run with
the repo root on `sys.path` through `python -m pytest`), or the `fake_openai` fixture of
`tests/llm/conftest.py`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    """A normal completion. `content=None` sends a null message content; `usage=False` omits usage."""

    content: str | None = "ok"
    prompt_tokens: int = 11
    completion_tokens: int = 7
    usage: bool = True
    delay_s: float = 0.0


@dataclass
class Fail:
    """An HTTP error status with an OpenAI-style error body and optional headers."""

    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "injected failure"


@dataclass
class Malformed:
    """A 200 whose body is not JSON."""

    body: str = '{"choices": [ this is not json'


Action = Answer | Fail | Malformed


def default_responder(body: dict[str, Any], index: int) -> Answer:
    """An answer that depends on the whole request and on its arrival index, as a sampling model's
    answers do: the same request sent twice gets two different answers."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:10]
    last = body["messages"][-1]["content"]
    return Answer(content=f"answer {digest}#{index} to: {last[:40]}", prompt_tokens=len(last) // 4 + 5)


class FakeOpenAIServer:
    """The server; use as a context manager or call `start()` / `stop()`."""

    def __init__(self, models: list[str] | None = None, models_status: int = 200) -> None:
        self.script: deque[Action] = deque()
        self.responder: Callable[[dict[str, Any], int], Answer] = default_responder
        self.requests: list[dict[str, Any]] = []
        self.headers_seen: list[dict[str, str]] = []
        self.models = models if models is not None else ["fake-model"]
        self.models_status = models_status
        self.models_calls = 0
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """The URL to give the SDK as `base_url`."""
        return f"http://127.0.0.1:{self.port}/v1"

    def push(self, *actions: Action) -> None:
        """Queue actions for the next chat requests, in order."""
        with self._lock:
            self.script.extend(actions)

    def _next(self, body: dict[str, Any]) -> Action:
        with self._lock:
            self.requests.append(body)
            index = len(self.requests) - 1
            if self.script:
                return self.script.popleft()
        return self.responder(body, index)

    def start(self) -> FakeOpenAIServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    server.models_calls += 1
                    if server.models_status != 200:
                        self._send(server.models_status, _error_body("no such route"))
                        return
                    data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in server.models]
                    self._send(200, json.dumps({"object": "list", "data": data}).encode())
                    return
                self._send(404, _error_body("no such route"))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, _error_body("no such route"))
                    return
                body = json.loads(raw or b"{}")
                with server._lock:
                    server.headers_seen.append({k.lower(): v for k, v in self.headers.items()})
                action = server._next(body)
                if isinstance(action, Fail):
                    self._send(action.status, _error_body(action.message), action.headers)
                elif isinstance(action, Malformed):
                    self._send(200, action.body.encode())
                else:
                    if action.delay_s:
                        time.sleep(action.delay_s)
                    self._send(200, json.dumps(_completion(body, action)).encode())

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _error_body(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "fake_error", "code": None}}).encode()


def _completion(body: dict[str, Any], answer: Answer) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.content},
                "finish_reason": "stop",
            }
        ],
    }
    if answer.usage:
        doc["usage"] = {
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "total_tokens": answer.prompt_tokens + answer.completion_tokens,
        }
    return doc


@contextmanager
def running_fake_openai(**kwargs: Any) -> Iterator[FakeOpenAIServer]:
    """A started server, stopped on exit."""
    server = FakeOpenAIServer(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()
