"""A campaign through the real `openai` provider over HTTP (a local fake server plays the model).

The fake model first answers with prose only (a `parse` failure, sent back for repair), then
with working code; the critic accepts. A server that only fails gives `api` verdicts, never a
code failure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.generation.conftest import small_config
from tests.llm.fake_openai_server import Answer, Fail, running_fake_openai

TOWER = {"kind": "layout", "layout": "tower", "groups": ["tower"], "colors": {"tower": "blue"},
         "name": "stack-three-blue-blocks"}


def _model(body: dict, index: int) -> Answer:
    from gensim.llm.offline.codegen import write_code

    prompt = body["messages"][-1]["content"]
    if "You review robot manipulation tasks" in prompt:
        return Answer(content='```json\n{"accept": true, "reason": "a clear stacking task"}\n```')
    if "failed the `" in prompt:
        return Answer(content="Fixed.\n```python\n" + write_code(TOWER) + "```\n")
    return Answer(content="I would stack the blocks one on another, carefully.")


@pytest.fixture
def model_server(gensim_home: Path, monkeypatch: pytest.MonkeyPatch):
    from gensim.config import get_settings

    with running_fake_openai() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("GENSIM_LLM_MODEL", "fake-model")
        monkeypatch.setenv("GENSIM_LLM_MAX_RETRIES", "1")
        get_settings.cache_clear()
        yield server
        get_settings.cache_clear()


def test_openai_provider_campaign_repairs_a_prose_reply(model_server, gensim_home: Path) -> None:
    from gensim.db import repository as repo
    from gensim.generation.campaign import run_campaign

    model_server.responder = _model
    record = gensim_home / "session.jsonl"
    result = run_campaign(small_config(mode="topdown", target="stack-three-blue-blocks", trials=1,
                                       record=str(record)))
    assert result.provider == "openai" and result.model == "fake-model"
    assert result.admitted == ["stack-three-blue-blocks"], result.rejected
    versions = repo.list_versions("stack-three-blue-blocks")
    assert [v.status for v in versions] == ["rejected", "admitted"]
    assert versions[0].rejection_stage == "parse"
    assert result.tokens > 0
    stages = [json.loads(line)["request"]["stage"] for line in record.read_text().splitlines()]
    assert stages == ["write_code", "repair", "critic"]
    assert len(model_server.requests) == 3


def test_server_failures_are_api_verdicts(model_server) -> None:
    from gensim.generation.campaign import run_campaign

    model_server.responder = lambda body, index: Fail(status=500)  # type: ignore[assignment,return-value]
    model_server.script.extend([Fail(status=500)] * 10)
    result = run_campaign(small_config(mode="topdown", target="stack-three-blue-blocks", trials=1))
    assert result.admitted == []
    assert result.rejected[0]["stage"] == "api"
    assert result.counts["parse"] == 0
