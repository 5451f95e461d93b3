"""Provider faults (429, 500, timeouts, malformed, empty and prose-only replies) are retried or
classified as `api` / `parse`, never as failures of the task code."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from tests.generation.conftest import small_config  # noqa: E402
from tests.llm.fake_openai_server import Answer, Fail, Malformed, running_fake_openai  # noqa: E402

TOWER = {"kind": "layout", "layout": "tower", "groups": ["tower"], "colors": {"tower": "blue"},
         "name": "stack-three-blue-blocks"}
CODE_STAGES = {"static", "load", "runtime", "success"}


def _good(body: dict, index: int) -> Answer:
    from gensim.llm.offline.codegen import write_code

    prompt = body["messages"][-1]["content"]
    if "You review robot manipulation tasks" in prompt:
        return Answer(content='```json\n{"accept": true, "reason": "a clear stacking task"}\n```')
    return Answer(content="```python\n" + write_code(TOWER) + "```\n")


@pytest.fixture
def server(gensim_home: Path, monkeypatch: pytest.MonkeyPatch):
    from gensim.config import get_settings

    with running_fake_openai() as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("GENSIM_LLM_MODEL", "fake-model")
        monkeypatch.setenv("GENSIM_LLM_MAX_RETRIES", "2")
        monkeypatch.setenv("GENSIM_LLM_TIMEOUT_S", "1")
        get_settings.cache_clear()
        fake.responder = _good
        yield fake
        get_settings.cache_clear()


def _run(repairs: int = 0):
    from gensim.generation.campaign import run_campaign

    return run_campaign(small_config(mode="topdown", target="stack-three-blue-blocks", trials=1,
                                     repair_rounds=repairs, seeds=(0,)))


def _stages(result) -> set[str]:
    return {r["stage"] for r in result.rejected}


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["429", "500", "timeout"])
def test_transient_faults_are_retried(server, fault: str) -> None:
    action = {"429": Fail(status=429, headers={"Retry-After": "0"}), "500": Fail(status=500),
              "timeout": Answer(content="late", delay_s=3.0)}[fault]
    server.script.extend([action, action])
    result = _run()
    assert result.admitted == ["stack-three-blue-blocks"], result.rejected
    assert len(server.requests) >= 4  # two failures retried, then the code and the critic


@pytest.mark.parametrize("reply", [pytest.param("500 forever", marks=pytest.mark.slow), "malformed", "empty",
                                   "null content", "prose only"])
def test_lasting_faults_are_api_or_parse(server, reply: str) -> None:
    action = {"500 forever": Fail(status=500), "malformed": Malformed(), "empty": Answer(content=""),
              "null content": Answer(content=None),
              "prose only": Answer(content="I would stack the blocks carefully, one by one.")}[reply]
    server.responder = lambda body, index: action  # type: ignore[assignment,return-value]
    result = _run()
    assert result.admitted == []
    assert _stages(result) and _stages(result) <= {"api", "parse"}, result.rejected
    assert not (_stages(result) & CODE_STAGES)
