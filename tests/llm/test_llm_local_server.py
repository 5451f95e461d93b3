"""Against a real OpenAI-compatible server (vLLM, Ollama, llama.cpp): marked `llm`, off by default.

Run with `GENSIM_TEST_LLM_BASE_URL=http://127.0.0.1:8000/v1 GENSIM_TEST_LLM_MODEL=<served name>
python -m pytest -m llm tests/llm`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gensim.llm.accounting import Ledger, MeteredProvider
from gensim.llm.openai_provider import OpenAIProvider
from gensim.llm.parsing import extract_code
from gensim.llm.protocol import ChatRequest
from gensim.llm.replay import RecordingProvider, ReplayProvider


@pytest.mark.llm
def test_real_server_code_reply_records_and_replays(tmp_path: Path) -> None:
    base_url = os.environ.get("GENSIM_TEST_LLM_BASE_URL")
    model = os.environ.get("GENSIM_TEST_LLM_MODEL")
    if not base_url or not model:
        pytest.skip("set GENSIM_TEST_LLM_BASE_URL and GENSIM_TEST_LLM_MODEL")
    provider = OpenAIProvider(model=model, base_url=base_url, timeout_s=300, max_retries=2)
    provider.preflight()
    ledger = Ledger()
    session = tmp_path / "session.jsonl"
    live = MeteredProvider(RecordingProvider(provider, session), ledger)
    request = ChatRequest.create(
        "write_code",
        [("system", "You write Python."),
         ("user", "Write a function add(a, b) returning a + b, in one ```python block.")],
        model=model, temperature=0.0, max_tokens=256, metadata={"seed": 0},
    )
    reply = live.complete(request)
    assert "def add" in extract_code(reply.text)
    assert reply.prompt_tokens > 0 and reply.completion_tokens > 0
    assert ledger.summary()["total"]["calls"] == 1
    assert ReplayProvider(session).complete(request).text == reply.text
