"""`make_provider`: names, `auto`, the wrapper stack, and the offline extension point."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from gensim.errors import UnknownNameError, UsageError
from gensim.llm import factory
from gensim.llm.accounting import Budget, Ledger, MeteredProvider
from gensim.llm.cache import CachedProvider
from gensim.llm.protocol import ChatReply, ChatRequest, Provider, ProviderError
from gensim.llm.replay import RecordingProvider, ReplayProvider
from tests.llm.fake_openai_server import FakeOpenAIServer


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str):
    from gensim.config import Settings

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings()


def _req(text: str) -> ChatRequest:
    return ChatRequest.create("propose", [("user", text)], model="fake-model", temperature=0.2, max_tokens=16)


def test_auto_with_base_url_is_openai_cached_and_works(
    gensim_home: Path, monkeypatch: pytest.MonkeyPatch, fake_openai: FakeOpenAIServer
) -> None:
    settings = _settings(monkeypatch, OPENAI_BASE_URL=fake_openai.base_url, GENSIM_LLM_MODEL="fake-model")
    provider = factory.make_provider(settings)
    assert isinstance(provider, CachedProvider) and isinstance(provider, Provider)
    assert (provider.name, provider.model) == ("openai", "fake-model")
    provider.preflight()
    first = provider.complete(_req("hello"))
    again = factory.make_provider(settings).complete(_req("hello"))
    assert again.cached and again.text == first.text
    assert list((settings.cache_dir / "llm" / "openai").glob("*.json"))


def test_missing_key_fails_in_preflight(gensim_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = factory.make_provider(_settings(monkeypatch), "openai", use_cache=False)
    with pytest.raises(ProviderError, match="no OpenAI API key"):
        provider.preflight()


def test_record_replay_and_ledger_stack(
    gensim_home: Path, monkeypatch: pytest.MonkeyPatch, fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    settings = _settings(monkeypatch, OPENAI_BASE_URL=fake_openai.base_url, GENSIM_LLM_MODEL="fake-model")
    session = tmp_path / "session.jsonl"
    ledger = Ledger()
    live = factory.make_provider(settings, record=session, ledger=ledger, budget=Budget(max_tokens=10**6))
    assert isinstance(live, MeteredProvider) and isinstance(live.inner, RecordingProvider)
    text = live.complete(_req("x")).text
    assert ledger.summary()["total"]["calls"] == 1
    for name in (None, "auto", "replay"):
        replay = factory.make_provider(settings, name, replay_file=session)
        assert isinstance(replay, ReplayProvider)  # replays are never cached
        assert replay.complete(_req("x")).text == text
    with pytest.raises(UsageError, match="not 'openai'"):
        factory.make_provider(settings, "openai", replay_file=session)


def test_unknown_names_and_missing_replay_file(gensim_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch)
    with pytest.raises(UnknownNameError, match="did you mean openai"):
        factory.make_provider(settings, "opnai")
    with pytest.raises(UsageError, match="needs a session file"):
        factory.make_provider(settings, "replay")
    with pytest.raises(UsageError, match="needs a ledger"):
        factory.make_provider(settings, "openai", budget=Budget(max_tokens=1))


class Echo:
    """A rule-based provider, as the offline composer is: it answers from stage and metadata."""

    name = "echo"
    model = "echo-composer"

    def preflight(self) -> None:
        pass

    def complete(self, request: ChatRequest) -> ChatReply:
        text = f"{request.stage}:{request.metadata.get('seed')}"
        return ChatReply.local(request, text, provider=self.name, model=self.model)


def echo_factory(settings: object) -> Echo:
    return Echo()


def test_offline_is_an_extension_point(gensim_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch)
    assert settings.resolved_provider == "offline"
    if importlib.util.find_spec("gensim.llm.offline") is None:  # until the composer lands
        with pytest.raises(UnknownNameError, match="LLM provider .*'offline'"):
            factory.make_provider(settings)
    else:
        assert factory.make_provider(settings).name == "offline"
    monkeypatch.setitem(factory.PROVIDERS, "echo", f"{__name__}:echo_factory")
    provider = factory.make_provider(settings, "echo")
    assert isinstance(provider, Echo)  # not in CACHEABLE, so not wrapped
    request = ChatRequest.create("plan", [("user", "go")], model="echo-composer", temperature=0,
                                 max_tokens=8, metadata={"seed": 4})
    reply = provider.complete(request)
    assert reply.text == "plan:4" and reply.cost_usd == 0.0 and reply.completion_tokens == 2
    assert reply.request_hash == request.hash


def test_importing_the_llm_layer_is_light() -> None:
    code = (
        "import sys, gensim.llm\n"
        "heavy = [m for m in ('openai', 'jinja2', 'torch', 'mlflow', 'numpy') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
