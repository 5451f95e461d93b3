"""The `openai` provider driven through the real openai SDK over real HTTP to the fake server."""

from __future__ import annotations

import socket

import pytest

from gensim.llm.openai_provider import OpenAIProvider
from gensim.llm.protocol import ChatRequest, ProviderError
from tests.llm.fake_openai_server import (
    Answer,
    Fail,
    FakeOpenAIServer,
    Malformed,
    running_fake_openai,
)


def _request(text: str = "write a task", stage: str = "write_code", **meta: object) -> ChatRequest:
    return ChatRequest.create(
        stage, [("system", "you write tasks"), ("user", text)],
        model="fake-model", temperature=0.2, max_tokens=64, metadata=meta,
    )


def test_success_reports_tokens_cost_and_sends_the_request(fake_openai: FakeOpenAIServer, fake_provider: OpenAIProvider) -> None:
    fake_openai.push(Answer("```python\nx = 1\n```", prompt_tokens=1000, completion_tokens=500))
    reply = fake_provider.complete(_request())
    assert reply.text == "```python\nx = 1\n```"
    assert (reply.prompt_tokens, reply.completion_tokens) == (1000, 500)
    assert reply.cost_usd == pytest.approx((1000 * 1.0 + 500 * 2.0) / 1e6)
    assert reply.priced and not reply.cached
    assert reply.provider == "openai" and reply.model == "fake-model"
    assert reply.request_hash == _request().hash
    sent = fake_openai.requests[-1]
    assert sent["model"] == "fake-model" and sent["max_tokens"] == 64
    assert sent["temperature"] == pytest.approx(0.2)
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    # a base URL with no key still sends a (dummy) bearer key: local servers ignore it
    assert fake_openai.headers_seen[-1]["authorization"].startswith("Bearer ")


def test_unknown_model_costs_zero_and_is_flagged(fake_openai: FakeOpenAIServer) -> None:
    provider = OpenAIProvider(model="fake-model", base_url=fake_openai.base_url, prices={})
    reply = provider.complete(_request())
    assert reply.cost_usd == 0.0 and reply.priced is False


def test_missing_usage_is_estimated(fake_openai: FakeOpenAIServer, fake_provider: OpenAIProvider) -> None:
    fake_openai.push(Answer("a" * 40, usage=False))
    reply = fake_provider.complete(_request())
    assert reply.completion_tokens == 10 and reply.prompt_tokens > 0


def test_retries_429_and_5xx_then_succeeds(fake_openai: FakeOpenAIServer, fake_provider: OpenAIProvider, sleeps: list[float]) -> None:
    fake_openai.push(Fail(429, {"Retry-After": "0.03"}), Fail(500), Fail(503), Answer("done"))
    reply = fake_provider.complete(_request())
    assert reply.text == "done"
    assert len(fake_openai.requests) == 4
    assert len(sleeps) == 3
    assert sleeps[0] == pytest.approx(0.03)  # Retry-After honoured
    assert all(0 < s <= 0.05 for s in sleeps[1:])  # backoff capped by backoff_max_s


def test_backoff_grows_exponentially_with_jitter() -> None:
    import numpy as np

    provider = OpenAIProvider(model="m", base_url="http://127.0.0.1:9/v1", backoff_base_s=1.0,
                              backoff_max_s=100.0, rng=np.random.default_rng(0))
    delays = [provider._backoff(a) for a in range(5)]
    for attempt, delay in enumerate(delays):
        assert 2**attempt / 2 <= delay <= 2**attempt
    assert provider._backoff(20) <= 100.0


def test_retries_exhausted_raise_api_error(fake_openai: FakeOpenAIServer, fake_provider: OpenAIProvider) -> None:
    fake_openai.push(*[Fail(500)] * 4)
    with pytest.raises(ProviderError) as info:
        fake_provider.complete(_request())
    assert info.value.kind == "api" and info.value.stage == "write_code"
    assert "after 4 attempts" in str(info.value) and "500" in str(info.value)
    assert "\n" not in str(info.value)
    assert len(fake_openai.requests) == 4


def test_4xx_is_not_retried(fake_openai: FakeOpenAIServer, fake_provider: OpenAIProvider) -> None:
    fake_openai.push(Fail(400, message="bad model"), Answer("never"))
    with pytest.raises(ProviderError, match="HTTP 400") as info:
        fake_provider.complete(_request())
    assert info.value.kind == "api"
    assert len(fake_openai.requests) == 1


def test_timeout_is_retried(fake_openai: FakeOpenAIServer) -> None:
    # The timely answer has 2 s to arrive (room for a loaded machine); the late ones come 3 s
    # after that limit, so the two cases cannot be confused whatever the load.
    provider = OpenAIProvider(model="fake-model", base_url=fake_openai.base_url, timeout_s=2.0,
                              max_retries=1, backoff_base_s=0.001, backoff_max_s=0.001)
    fake_openai.push(Answer("late", delay_s=5.0), Answer("in time"))
    assert provider.complete(_request()).text == "in time"
    fake_openai.push(Answer("late", delay_s=5.0), Answer("late", delay_s=5.0))
    with pytest.raises(ProviderError, match="timed out"):
        provider.complete(_request("again"))


def test_malformed_json_and_empty_content(fake_openai: FakeOpenAIServer, fake_provider: OpenAIProvider) -> None:
    fake_openai.push(Malformed())
    with pytest.raises(ProviderError, match="unusable answer") as info:
        fake_provider.complete(_request())
    assert info.value.kind == "api"
    fake_openai.push(Answer(None), Answer(""))
    assert fake_provider.complete(_request("a")).text == ""  # empty content is the parser's to reject
    assert fake_provider.complete(_request("b")).text == ""


def test_preflight_ok_and_tolerates_servers_without_models(fake_openai: FakeOpenAIServer, fake_provider: OpenAIProvider) -> None:
    fake_provider.preflight()
    assert fake_openai.models_calls == 1
    with running_fake_openai(models_status=404) as bare:
        OpenAIProvider(model="m", base_url=bare.base_url).preflight()
        assert bare.models_calls == 1


def test_preflight_rejected_key_is_one_line() -> None:
    with running_fake_openai(models_status=401) as server:
        with pytest.raises(ProviderError, match="rejected the API key") as info:
            OpenAIProvider(model="m", api_key="sk-wrong", base_url=server.base_url).preflight()
    assert info.value.kind == "config" and "\n" not in str(info.value)


def test_preflight_unreachable_is_one_line() -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = OpenAIProvider(model="m", base_url=f"http://127.0.0.1:{port}/v1", timeout_s=1.0)
    with pytest.raises(ProviderError) as info:
        provider.preflight()
    message = str(info.value)
    assert info.value.kind == "unreachable"
    assert message.startswith(f"cannot reach the language-model server at http://127.0.0.1:{port}/v1")
    assert "\n" not in message


def test_missing_key_is_one_line_in_preflight_and_complete() -> None:
    provider = OpenAIProvider(model="gpt-4o")
    with pytest.raises(ProviderError, match="no OpenAI API key") as info:
        provider.preflight()
    assert info.value.kind == "config" and "\n" not in str(info.value)
    with pytest.raises(ProviderError, match="no OpenAI API key"):
        provider.complete(_request())


def test_azure_names_missing_settings() -> None:
    provider = OpenAIProvider(model="deploy", api_key="k", azure=True, azure_endpoint="https://x.example")
    with pytest.raises(ProviderError, match="needs OPENAI_API_VERSION$") as info:
        provider.preflight()
    assert provider.name == "azure" and info.value.kind == "config"
