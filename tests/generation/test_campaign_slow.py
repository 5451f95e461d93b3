"""Longer campaign properties: replay reproduces a campaign exactly; bottom-up adds new tasks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.generation.conftest import small_config

pytestmark = pytest.mark.slow


def _codes_and_verdicts(campaign_id: int) -> list[tuple[str, int, str, str, str | None]]:
    from gensim.db import repository as repo

    names = {t.id: t.name for t in repo.list_tasks()}
    return [(names[v.task_id], v.version, v.code_hash, v.status, v.rejection_stage)
            for v in repo.list_versions(campaign_id=campaign_id)]


def test_replay_reproduces_code_and_verdicts(gensim_home: Path, tmp_path: Path, monkeypatch) -> None:
    from gensim.config import get_settings
    from gensim.generation.campaign import run_campaign

    session = tmp_path / "session.jsonl"
    first = run_campaign(small_config(mode="bottomup", trials=4, record=str(session)))
    before = _codes_and_verdicts(first.campaign_id)
    # A fresh home answered only from the recording gives the same code and verdicts.
    monkeypatch.setenv("GENSIM_HOME", str(tmp_path / "second-home"))
    get_settings.cache_clear()
    second = run_campaign(small_config(mode="bottomup", trials=4, replay=str(session)))
    assert second.provider == "replay"
    assert _codes_and_verdicts(second.campaign_id) == before
    assert second.counts == first.counts and second.admitted == first.admitted


def test_worker_timing_does_not_change_a_campaign(gensim_home: Path, tmp_path: Path, monkeypatch) -> None:
    """A campaign run one candidate at a time and its replay with two workers, where the first
    candidate is held back so the second finishes first, store the same code and verdicts in the
    same (trial) order: admission and few-shot context never depend on which thread is faster."""
    import time

    from gensim.config import get_settings
    from gensim.generation import runner
    from gensim.generation.campaign import run_campaign

    session = tmp_path / "session.jsonl"
    first = run_campaign(small_config(mode="bottomup", trials=4, workers=1, record=str(session)))
    before = _codes_and_verdicts(first.campaign_id)

    real = runner.process_candidate

    def first_trial_late(cand, *args, **kwargs):
        if cand.trial == 0:
            time.sleep(4.0)
        return real(cand, *args, **kwargs)

    monkeypatch.setattr(runner, "process_candidate", first_trial_late)
    monkeypatch.setenv("GENSIM_HOME", str(tmp_path / "second-home"))
    get_settings.cache_clear()
    second = run_campaign(small_config(mode="bottomup", trials=4, workers=2, replay=str(session)))
    assert _codes_and_verdicts(second.campaign_id) == before
    assert second.admitted == first.admitted


def test_bottomup_twice_adds_new_tasks(gensim_home: Path) -> None:
    from gensim.generation.campaign import run_campaign

    first = run_campaign(small_config(mode="bottomup", trials=5))
    second = run_campaign(small_config(mode="bottomup", trials=5))  # same command again
    assert first.admitted and second.admitted
    assert not set(first.admitted) & set(second.admitted)
