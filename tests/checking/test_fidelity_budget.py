"""bench/fidelity.py judges our seeds as the reference's loop does: within the task's max_steps."""

from __future__ import annotations

from bench.fidelity import within_budget


def test_a_seed_completed_only_past_max_steps_is_not_a_success() -> None:
    ours = {"stage": "budget", "seeds": {"0": {"ok": True}, "2": {"ok": True}},
            "errors": ["budget: the expert needed more actions than the task's max_steps on seed 2 (max_steps=20)"]}
    judged = within_budget(ours)
    assert judged["seeds"]["0"]["ok"] and not judged["seeds"]["2"]["ok"]
    assert ours["seeds"]["2"]["ok"]  # the cached record is left as it was


def test_other_stages_keep_their_per_seed_verdicts() -> None:
    ours = {"stage": "done", "seeds": {"0": {"ok": True}, "2": {"ok": False}}, "errors": []}
    assert within_budget(ours) == ours
