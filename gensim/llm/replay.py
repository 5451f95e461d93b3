"""Recorded sessions: `RecordingProvider` writes them, `ReplayProvider` answers from them.

A session file is JSON lines, one exchange per line: `request_hash`, a `request` summary
(stage, model, temperature, max tokens, hashed metadata, the head of the last user message),
the reply `text`, token counts, latency, and the provider and model that answered.

Replay matches by request hash. When one hash was recorded several times (the same request
sent again without a cache), its replies are served in recorded order and the last one
repeats; each new `ReplayProvider` starts from the beginning, so replaying a session twice
gives identical replies.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gensim.errors import UsageError
from gensim.llm.protocol import ChatReply, ChatRequest, Provider, ProviderError

if TYPE_CHECKING:
    from gensim.config import Settings

SESSION_VERSION = 1


def exchange_record(request: ChatRequest, reply: ChatReply) -> dict[str, Any]:
    """One line of a session file."""
    return {
        "v": SESSION_VERSION,
        "request_hash": reply.request_hash,
        "request": request.summary(),
        "text": reply.text,
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "latency_s": round(reply.latency_s, 4),
        "provider": reply.provider,
        "model": reply.model,
        "cached": reply.cached,
    }


def read_session(path: Path) -> list[dict[str, Any]]:
    """The exchanges of a session file (UsageError for a missing or malformed file)."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"replay session file not found: {path}")
    records: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            record["request_hash"], record["text"]  # noqa: B018 (required fields)
        except (ValueError, KeyError, TypeError) as err:
            raise UsageError(f"{path}:{number}: not a session record ({err})") from err
        records.append(record)
    return records


class ReplayProvider:
    """Answers from a recorded session; a request that was not recorded is a `ProviderError`."""

    name = "replay"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        records = read_session(self.path)
        self._replies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            self._replies[record["request_hash"]].append(record)
        self._served: Counter[str] = Counter()
        self._lock = threading.Lock()
        models = Counter(str(r.get("model") or r.get("request", {}).get("model", "")) for r in records)
        self.model = models.most_common(1)[0][0] if models else "replay"

    def __len__(self) -> int:
        return sum(len(v) for v in self._replies.values())

    def preflight(self) -> None:
        """A replay needs only its file, read at construction; an empty session is an error."""
        if not self._replies:
            raise ProviderError(f"replay session {self.path} holds no exchanges", kind="config")

    def complete(self, request: ChatRequest) -> ChatReply:
        """The recorded reply for this request's hash (no new spend: cost 0)."""
        key = request.hash
        with self._lock:
            recorded = self._replies.get(key)
            if not recorded:
                raise ProviderError(
                    f"replay: no recorded reply for stage '{request.stage}' request {key[:12]} "
                    f"in {self.path} (prompt, model, temperature or metadata differ from the recording)",
                    kind="replay",
                    stage=request.stage,
                )
            index = min(self._served[key], len(recorded) - 1)
            self._served[key] += 1
        record = recorded[index]
        return ChatReply(
            text=record["text"],
            prompt_tokens=int(record.get("prompt_tokens", 0)),
            completion_tokens=int(record.get("completion_tokens", 0)),
            latency_s=0.0,
            cost_usd=0.0,
            provider=self.name,
            model=str(record.get("model") or request.model),
            cached=False,
            request_hash=key,
        )


class RecordingProvider:
    """Wraps any provider and appends every exchange to a session file (`--record FILE`)."""

    def __init__(self, inner: Provider, path: Path) -> None:
        self.inner = inner
        self.path = Path(path)
        self.name = inner.name
        self.model = inner.model
        self._lock = threading.Lock()

    def preflight(self) -> None:
        """The inner provider's preflight, and a writable session file."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()
        except OSError as err:
            raise UsageError(f"cannot write the session file {self.path}: {err.strerror}") from err
        self.inner.preflight()

    def complete(self, request: ChatRequest) -> ChatReply:
        """Ask the inner provider, then append the exchange (one flushed line)."""
        reply = self.inner.complete(request)
        line = json.dumps(exchange_record(request, reply), ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        return reply


def replay_from_settings(settings: Settings) -> ReplayProvider:
    """The `replay` provider over `settings.llm_replay_file`."""
    if settings.llm_replay_file is None:
        raise UsageError("the replay provider needs a session file (--replay FILE or GENSIM_LLM_REPLAY_FILE)")
    return ReplayProvider(settings.llm_replay_file)
