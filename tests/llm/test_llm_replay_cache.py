"""Recording, replay, the reply cache and the request hash, over the fake OpenAI server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gensim.errors import UsageError
from gensim.llm.cache import CachedProvider, ReplyCache
from gensim.llm.openai_provider import OpenAIProvider
from gensim.llm.protocol import ChatRequest, ProviderError
from gensim.llm.replay import RecordingProvider, ReplayProvider
from tests.llm.fake_openai_server import Answer, FakeOpenAIServer, running_fake_openai


def _req(text: str, stage: str = "propose", **meta: object) -> ChatRequest:
    return ChatRequest.create(stage, [("user", text)], model="fake-model", temperature=0.7,
                              max_tokens=128, metadata=meta)


def _session(provider: object, requests: list[ChatRequest]) -> list[str]:
    return [provider.complete(r).text for r in requests]  # type: ignore[attr-defined]


def test_hash_covers_what_changes_the_answer() -> None:
    base = _req("hi", seed=1, mode="topdown")
    assert base.hash == _req("hi", seed=1, mode="topdown").hash
    assert base.hash == _req("hi", mode="topdown", seed=1, _run_id="abc").hash  # `_` keys ignored
    for other in (_req("hi!", seed=1, mode="topdown"), _req("hi", seed=2, mode="topdown"),
                  _req("hi", "critic", seed=1, mode="topdown"),
                  ChatRequest.create("propose", [("user", "hi")], model="other", temperature=0.7,
                                     max_tokens=128, metadata={"seed": 1, "mode": "topdown"})):
        assert other.hash != base.hash
    with pytest.raises(UsageError, match="metadata"):
        _req("hi", bad=object()).hash  # noqa: B018


def test_record_then_replay_without_server_is_identical(tmp_path: Path) -> None:
    session = tmp_path / "session.jsonl"
    requests = [_req("propose a task", seed=s) for s in range(3)] + [_req("write it", "write_code", seed=0)]
    with running_fake_openai() as server:
        provider = OpenAIProvider(model="fake-model", base_url=server.base_url)
        recorded = _session(RecordingProvider(provider, session), requests)
        port = server.port
    assert len(set(recorded)) == 4  # seeds give distinct samples
    lines = [json.loads(line) for line in session.read_text().splitlines()]
    assert [line["request_hash"] for line in lines] == [r.hash for r in requests]
    assert lines[0]["request"]["stage"] == "propose" and lines[0]["prompt_tokens"] > 0
    # the server is gone: replay answers from the file alone, twice identically
    first = _session(ReplayProvider(session), requests)
    second = _session(ReplayProvider(session), list(reversed(requests)))[::-1]
    assert first == recorded == second
    replay = ReplayProvider(session)
    assert replay.model == "fake-model" and replay.name == "replay"
    reply = replay.complete(requests[0])
    assert reply.cost_usd == 0.0 and reply.provider == "replay" and reply.request_hash == requests[0].hash
    assert str(port) not in session.read_text()  # no volatile details recorded


def test_replay_miss_names_stage_and_hash(tmp_path: Path, fake_openai: FakeOpenAIServer) -> None:
    session = tmp_path / "s.jsonl"
    RecordingProvider(OpenAIProvider(model="fake-model", base_url=fake_openai.base_url), session).complete(_req("a"))
    unseen = _req("b", "repair")
    with pytest.raises(ProviderError) as info:
        ReplayProvider(session).complete(unseen)
    assert info.value.kind == "replay" and info.value.stage == "repair"
    assert "'repair'" in str(info.value) and unseen.hash[:12] in str(info.value)


def test_replay_serves_repeated_requests_in_order(tmp_path: Path, fake_openai: FakeOpenAIServer) -> None:
    session = tmp_path / "s.jsonl"
    fake_openai.push(Answer("first"), Answer("second"))
    recorder = RecordingProvider(OpenAIProvider(model="fake-model", base_url=fake_openai.base_url), session)
    assert _session(recorder, [_req("same"), _req("same")]) == ["first", "second"]
    assert _session(ReplayProvider(session), [_req("same")] * 3) == ["first", "second", "second"]


def test_replay_bad_files_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        ReplayProvider(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"request_hash": "x", "text": "t"}\nnot json\n')
    with pytest.raises(UsageError, match="bad.jsonl:2"):
        ReplayProvider(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(ProviderError, match="no exchanges"):
        ReplayProvider(empty).preflight()


def test_cache_hits_skip_the_server_and_keep_tokens(tmp_path: Path, fake_openai: FakeOpenAIServer) -> None:
    inner = OpenAIProvider(model="fake-model", base_url=fake_openai.base_url, prices={"fake-model": (1.0, 1.0)})
    cached = CachedProvider(inner, tmp_path / "llm")
    fake_openai.push(Answer("hello", prompt_tokens=100, completion_tokens=50))
    miss = cached.complete(_req("x"))
    hit = cached.complete(_req("x"))
    assert len(fake_openai.requests) == 1
    assert not miss.cached and miss.cost_usd > 0
    assert hit.cached and hit.cost_usd == 0.0
    assert (hit.text, hit.prompt_tokens, hit.completion_tokens) == ("hello", 100, 50)
    assert (tmp_path / "llm" / "openai" / f"{_req('x').hash}.json").is_file()
    # a fresh wrapper over the same folder (a new process) still hits
    assert CachedProvider(inner, tmp_path / "llm").complete(_req("x")).cached
    cached.complete(_req("y"))
    assert len(fake_openai.requests) == 2
    assert not list((tmp_path / "llm").rglob("*.tmp"))  # atomic writes leave no temporaries


def test_cache_skips_empty_replies_and_survives_corrupt_files(tmp_path: Path, fake_openai: FakeOpenAIServer) -> None:
    inner = OpenAIProvider(model="fake-model", base_url=fake_openai.base_url)
    cached = CachedProvider(inner, tmp_path)
    fake_openai.push(Answer(""), Answer("now"))
    assert cached.complete(_req("e")).text == ""
    assert cached.complete(_req("e")).text == "now"  # the empty reply was not cached
    ReplyCache(tmp_path).path("openai", _req("e").hash).write_text("{truncated")
    assert not cached.complete(_req("e")).cached  # unreadable file: a miss, then rewritten
    assert cached.complete(_req("e")).cached


def test_recording_over_cache_keeps_hits_in_the_session(tmp_path: Path, fake_openai: FakeOpenAIServer) -> None:
    session = tmp_path / "s.jsonl"
    provider = RecordingProvider(
        CachedProvider(OpenAIProvider(model="fake-model", base_url=fake_openai.base_url), tmp_path / "c"), session
    )
    texts = _session(provider, [_req("q"), _req("q")])
    assert len(fake_openai.requests) == 1
    assert len(session.read_text().splitlines()) == 2
    assert _session(ReplayProvider(session), [_req("q"), _req("q")]) == texts
