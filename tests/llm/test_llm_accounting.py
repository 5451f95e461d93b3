"""The ledger, budgets that stop before a call, and the metering wrapper over the fake server."""

from __future__ import annotations

from pathlib import Path

import pytest

from gensim.llm.accounting import Budget, BudgetExceeded, Ledger, MeteredProvider
from gensim.llm.cache import CachedProvider
from gensim.llm.openai_provider import OpenAIProvider
from gensim.llm.protocol import ChatReply, ChatRequest
from tests.llm.fake_openai_server import Answer, FakeOpenAIServer


def _req(text: str, stage: str = "propose") -> ChatRequest:
    return ChatRequest.create(stage, [("user", text)], model="fake-model", temperature=0.0, max_tokens=32)


def _reply(stage_text: str, pt: int, ct: int, cost: float, cached: bool = False, priced: bool = True) -> ChatReply:
    return ChatReply(stage_text, pt, ct, 0.5, cost, "openai", "m" if priced else "local-llama", cached, "h", priced)


def test_ledger_sums_per_stage_and_flags_unpriced() -> None:
    ledger = Ledger()
    ledger.record("propose", _reply("a", 100, 10, 0.001))
    ledger.record("propose", _reply("b", 100, 10, 0.0, cached=True))
    ledger.record("write_code", _reply("c", 300, 200, 0.0, priced=False))
    summary = ledger.summary()
    propose = summary["stages"]["propose"]
    assert propose["calls"] == 2 and propose["cache_hits"] == 1
    assert propose["prompt_tokens"] == 100 and propose["cached_prompt_tokens"] == 100
    assert propose["cost_usd"] == pytest.approx(0.001)
    assert summary["total"]["calls"] == 3
    assert summary["total"]["prompt_tokens"] == 400 and summary["total"]["completion_tokens"] == 210
    assert summary["total"]["latency_s"] == pytest.approx(1.5)
    assert summary["unpriced_models"] == ["local-llama"]
    assert ledger.tokens == 610 and ledger.cost_usd == pytest.approx(0.001)


def test_budget_stops_before_the_call(fake_openai: FakeOpenAIServer) -> None:
    inner = OpenAIProvider(model="fake-model", base_url=fake_openai.base_url, prices={"fake-model": (1000.0, 1000.0)})
    ledger = Ledger()
    metered = MeteredProvider(inner, ledger, Budget(max_cost_usd=0.15))
    fake_openai.push(Answer("one", 50, 50), Answer("two", 50, 50))  # $0.10 per call
    metered.complete(_req("1"))
    metered.complete(_req("2"))  # $0.10 spent < $0.15: allowed, ends at $0.20
    with pytest.raises(BudgetExceeded, match="before 'write_code'"):
        metered.complete(_req("3", "write_code"))
    assert len(fake_openai.requests) == 2  # the third call never reached the server
    assert ledger.summary()["total"]["calls"] == 2


def test_token_budget_and_cache_hits_are_not_new_spend(tmp_path: Path, fake_openai: FakeOpenAIServer) -> None:
    inner = CachedProvider(OpenAIProvider(model="fake-model", base_url=fake_openai.base_url), tmp_path)
    ledger = Ledger()
    metered = MeteredProvider(inner, ledger, Budget(max_tokens=150))
    fake_openai.push(Answer("x", 60, 40))
    metered.complete(_req("a"))
    for _ in range(3):
        assert metered.complete(_req("a")).cached
    assert ledger.tokens == 100  # hits add no new tokens
    assert ledger.stage("propose").cache_hits == 3
    fake_openai.push(Answer("y", 60, 40))
    metered.complete(_req("b"))
    with pytest.raises(BudgetExceeded, match="200 of 150 tokens"):
        metered.complete(_req("c"))
