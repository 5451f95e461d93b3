"""The reply cache: one JSON file per request hash, written atomically; `CachedProvider`.

Layout: `<root>/<provider>/<request hash>.json` (root is `settings.cache_dir / "llm"`). The
provider name is part of the path because two providers may serve one model name (an
OpenAI-compatible local server and the real API). Errors and empty replies are not cached.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from gensim.llm.protocol import ChatReply, ChatRequest, Provider

_REPLY_FIELDS = {f.name for f in fields(ChatReply)}


class ReplyCache:
    """Replies on disk by provider and request hash."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, provider: str, request_hash: str) -> Path:
        """The file that holds (or would hold) this reply."""
        return self.root / provider / f"{request_hash}.json"

    def get(self, provider: str, request_hash: str) -> ChatReply | None:
        """The stored reply, or None (a missing or unreadable file is a miss)."""
        path = self.path(provider, request_hash)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            return ChatReply(**{k: v for k, v in doc["reply"].items() if k in _REPLY_FIELDS})
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, reply: ChatReply, request: ChatRequest | None = None) -> Path:
        """Store `reply` atomically (temporary file, then `os.replace`)."""
        path = self.path(reply.provider, reply.request_hash)
        doc: dict[str, Any] = {"reply": asdict(reply), "stored_at": time.time()}
        if request is not None:
            doc["request"] = request.summary()
        write_atomic(path, json.dumps(doc, indent=1, ensure_ascii=False))
        return path

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.json")) if self.root.exists() else 0


class CachedProvider:
    """Wraps a provider: a request seen before is answered from disk, marked `cached=True`.

    Cache hits cost nothing new (`cost_usd=0`) but keep the original token counts.
    """

    def __init__(self, inner: Provider, cache_dir: Path) -> None:
        self.inner = inner
        self.cache = ReplyCache(cache_dir)
        self.name = inner.name
        self.model = inner.model

    def preflight(self) -> None:
        """The inner provider's preflight (a warm cache does not excuse a broken setup)."""
        self.inner.preflight()

    def complete(self, request: ChatRequest) -> ChatReply:
        """From the cache if present, else from the inner provider (then stored)."""
        start = time.perf_counter()
        hit = self.cache.get(self.inner.name, request.hash)
        if hit is not None:
            return hit.as_cached(time.perf_counter() - start)
        reply = self.inner.complete(request)
        if reply.text.strip() and not reply.cached:
            self.cache.put(reply, request)
        return reply


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
