"""Token, cost and latency accounting per stage; budgets that stop a campaign cleanly.

A `Ledger` adds up every reply. New spend (tokens and cost) counts only replies that were not
served from the cache; cache hits are counted apart with their original tokens. A `Budget` is
checked *before* each call by `MeteredProvider`, so `BudgetExceeded` never interrupts a call.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from gensim.errors import GensimError
from gensim.llm.protocol import ChatReply, ChatRequest, Provider


class BudgetExceeded(GensimError):
    """The campaign's LLM budget is spent; raised before a call would start."""


@dataclass
class StageStats:
    """Totals for one stage. Tokens and cost are new spend; `cached_*` are the cache hits' tokens."""

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0

    def add(self, reply: ChatReply) -> None:
        self.calls += 1
        self.latency_s += reply.latency_s
        if reply.cached:
            self.cache_hits += 1
            self.cached_prompt_tokens += reply.prompt_tokens
            self.cached_completion_tokens += reply.completion_tokens
        else:
            self.prompt_tokens += reply.prompt_tokens
            self.completion_tokens += reply.completion_tokens
            self.cost_usd += reply.cost_usd

    def merge(self, other: StageStats) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


@dataclass(frozen=True)
class Budget:
    """Limits on new spend for one campaign; None means no limit."""

    max_cost_usd: float | None = None
    max_tokens: int | None = None

    def check(self, ledger: Ledger, stage: str = "") -> None:
        """Raise `BudgetExceeded` once the ledger has reached a limit."""
        where = f" before '{stage}'" if stage else ""
        if self.max_cost_usd is not None and ledger.cost_usd >= self.max_cost_usd:
            raise BudgetExceeded(
                f"LLM budget reached{where}: spent ${ledger.cost_usd:.4f} of ${self.max_cost_usd:.4f}"
            )
        if self.max_tokens is not None and ledger.tokens >= self.max_tokens:
            raise BudgetExceeded(
                f"LLM token budget reached{where}: used {ledger.tokens} of {self.max_tokens} tokens"
            )


class Ledger:
    """Per-stage totals of calls, cache hits, tokens, cost and latency (thread-safe)."""

    def __init__(self) -> None:
        self._stages: dict[str, StageStats] = {}
        self._unpriced: set[str] = set()
        self._models: set[str] = set()
        self._lock = threading.Lock()

    def record(self, stage: str, reply: ChatReply) -> None:
        """Add one reply to `stage`'s totals; models without a price are flagged."""
        with self._lock:
            self._stages.setdefault(stage, StageStats()).add(reply)
            self._models.add(f"{reply.provider}:{reply.model}")
            if not reply.priced and not reply.cached:
                self._unpriced.add(reply.model)

    def total(self) -> StageStats:
        """All stages together."""
        with self._lock:
            out = StageStats()
            for stats in self._stages.values():
                out.merge(stats)
            return out

    @property
    def cost_usd(self) -> float:
        """New spend in USD so far."""
        return self.total().cost_usd

    @property
    def tokens(self) -> int:
        """New prompt + completion tokens so far."""
        total = self.total()
        return total.prompt_tokens + total.completion_tokens

    def stage(self, name: str) -> StageStats:
        """A copy of one stage's totals (zeros if it has none)."""
        with self._lock:
            return StageStats(**asdict(self._stages.get(name, StageStats())))

    def summary(self) -> dict[str, Any]:
        """Plain-JSON totals: per stage, overall, the models seen and those without a price."""
        total = self.total()
        with self._lock:
            stages = {name: _rounded(asdict(s)) for name, s in sorted(self._stages.items())}
            return {
                "stages": stages,
                "total": _rounded(asdict(total)),
                "models": sorted(self._models),
                "unpriced_models": sorted(self._unpriced),
            }


class MeteredProvider:
    """Wraps a provider: checks the budget before each call, records each reply in the ledger."""

    def __init__(self, inner: Provider, ledger: Ledger, budget: Budget | None = None) -> None:
        self.inner = inner
        self.ledger = ledger
        self.budget = budget
        self.name = inner.name
        self.model = inner.model

    def preflight(self) -> None:
        """The inner provider's preflight."""
        self.inner.preflight()

    def complete(self, request: ChatRequest) -> ChatReply:
        """Budget check, call, record."""
        if self.budget is not None:
            self.budget.check(self.ledger, request.stage)
        reply = self.inner.complete(request)
        self.ledger.record(request.stage, reply)
        return reply


def _rounded(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in doc.items()}
