"""The provider protocol: chat requests and replies, the request hash, `ProviderError`.

Every language-model call in gensim is a `ChatRequest` answered by a `Provider` with a
`ChatReply`. Providers are the OpenAI SDK (any OpenAI-compatible server), the replay of a
recorded session, and the offline task composer; wrappers (cache, recording, metering) are
providers too, so they stack.

The request hash identifies a request for the cache and for replay. It covers what changes
the answer: `stage`, `model`, `temperature`, `max_tokens`, the messages, and the metadata,
except metadata keys that start with an underscore. Keys such as `mode`, `target` and `seed`
are hashed: `seed` is the sample index (two trials of the same prompt at temperature > 0 must
not share one cached answer) and a rule-based provider answers from them. Volatile
annotations (run ids, timestamps, paths) must go under `_`-prefixed keys, or a re-run would
never match its recording.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any, Literal, Protocol, runtime_checkable

from gensim.errors import GensimError, UsageError

ROLES = ("system", "user", "assistant")
STAGES = ("propose", "write_code", "repair", "critic", "plan")
HASH_VERSION = 1  # bump when the hashed fields change, so old caches and sessions miss cleanly

ProviderErrorKind = Literal["config", "unreachable", "api", "replay"]


class ProviderError(GensimError):
    """A provider failed: `kind` is config (key, endpoint), unreachable, api (after retries) or replay."""

    def __init__(self, message: str, *, kind: ProviderErrorKind = "api", stage: str | None = None):
        super().__init__(message)
        self.kind: ProviderErrorKind = kind
        self.stage = stage


@dataclass(frozen=True)
class ChatMessage:
    """One chat message: `role` is system, user or assistant."""

    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise UsageError(f"chat message role must be one of {', '.join(ROLES)}, not '{self.role}'")


@dataclass(frozen=True)
class ChatRequest:
    """A chat completion request for one pipeline stage.

    `stage` is propose / write_code / repair / critic / plan (other names are accepted for
    extensions). `metadata` carries mode, target, seed and whatever a rule-based provider
    needs; see the module docstring for which keys enter the hash.
    """

    messages: tuple[ChatMessage, ...]
    model: str
    temperature: float
    max_tokens: int
    stage: str
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        stage: str,
        messages: Iterable[ChatMessage | tuple[str, str] | Mapping[str, str]],
        *,
        model: str,
        temperature: float,
        max_tokens: int,
        metadata: Mapping[str, Any] | None = None,
    ) -> ChatRequest:
        """Build a request from messages given as `ChatMessage`, `(role, content)` or dicts."""
        msgs: list[ChatMessage] = []
        for m in messages:
            if isinstance(m, ChatMessage):
                msgs.append(m)
            elif isinstance(m, Mapping):
                msgs.append(ChatMessage(m["role"], m["content"]))
            else:
                msgs.append(ChatMessage(*m))
        if not msgs:
            raise UsageError(f"a '{stage}' request needs at least one message")
        return cls(tuple(msgs), model, float(temperature), int(max_tokens), stage, dict(metadata or {}))

    @property
    def hash(self) -> str:
        """The request hash (see `request_hash`)."""
        return request_hash(self)

    def hashed_metadata(self) -> dict[str, Any]:
        """The metadata entries that enter the hash (keys not starting with `_`)."""
        return {k: v for k, v in self.metadata.items() if not str(k).startswith("_")}

    def summary(self, head: int = 300) -> dict[str, Any]:
        """A short description for session files and logs (not the full prompt)."""
        last_user = next((m.content for m in reversed(self.messages) if m.role == "user"), "")
        return {
            "stage": self.stage,
            "model": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "metadata": _jsonable(self.hashed_metadata(), "metadata"),
            "n_messages": len(self.messages),
            "prompt_chars": sum(len(m.content) for m in self.messages),
            "last_user_head": last_user[:head],
        }


@dataclass(frozen=True)
class ChatReply:
    """A provider's answer with its accounting.

    `cost_usd` is new spend (0 for cache hits, replays and local composers); `priced` is False
    when the model has no entry in the price table, so a cost of 0 means "unknown".
    Token counts are the original ones even for cache hits.
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    cost_usd: float
    provider: str
    model: str
    cached: bool
    request_hash: str
    priced: bool = True

    @classmethod
    def local(
        cls, request: ChatRequest, text: str, *, provider: str, model: str, latency_s: float = 0.0
    ) -> ChatReply:
        """A free reply from a local, rule-based provider (token counts estimated from characters)."""
        prompt_chars = "".join(m.content for m in request.messages)
        return cls(
            text=text,
            prompt_tokens=estimate_tokens(prompt_chars),
            completion_tokens=estimate_tokens(text),
            latency_s=latency_s,
            cost_usd=0.0,
            provider=provider,
            model=model,
            cached=False,
            request_hash=request.hash,
        )

    def as_cached(self, latency_s: float) -> ChatReply:
        """This reply served again from a cache: no new spend, original tokens kept."""
        return replace(self, cached=True, cost_usd=0.0, latency_s=latency_s)


@runtime_checkable
class Provider(Protocol):
    """Anything that answers chat requests. `preflight` fails fast, with one line, before work starts."""

    name: str
    model: str

    def complete(self, request: ChatRequest) -> ChatReply:
        """Answer one request (raises `ProviderError`)."""
        ...

    def preflight(self) -> None:
        """Check keys and reachability; raise `ProviderError` with one clear line."""
        ...


def request_hash(request: ChatRequest) -> str:
    """sha256 (hex) of the canonical JSON of the fields that change the answer."""
    doc = {
        "v": HASH_VERSION,
        "stage": request.stage,
        "model": request.model,
        "temperature": round(float(request.temperature), 6),
        "max_tokens": int(request.max_tokens),
        "messages": [[m.role, m.content] for m in request.messages],
        "metadata": _jsonable(request.hashed_metadata(), "metadata"),
    }
    blob = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def estimate_tokens(text: str) -> int:
    """A rough token count (about 4 characters per token) for servers that report no usage."""
    return math.ceil(len(text) / 4) if text else 0


def price_usd(
    model: str, prompt_tokens: int, completion_tokens: int, prices: Mapping[str, tuple[float, float]]
) -> float | None:
    """Cost in USD from a table of USD per 1M tokens (prompt, completion); None for unknown models."""
    entry = prices.get(model)
    if entry is None:
        return None
    return (prompt_tokens * entry[0] + completion_tokens * entry[1]) / 1_000_000


def _jsonable(value: Any, where: str) -> Any:
    """`value` with tuples, paths and numpy scalars made plain JSON; anything else is an error."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, where) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and getattr(value, "shape", None) == ():
        return _jsonable(item(), where)
    raise UsageError(f"request {where} holds a {type(value).__name__}; use plain JSON values")
