"""`CheckVerdict` and `RunRecord` cross process boundaries as JSON: typed, bounded, one-line errors."""

from __future__ import annotations

import json

import pytest

from gensim.checking.decode import DecodeError, bounded
from gensim.checking.record import RunRecord
from gensim.checking.stages import OUTCOMES, STAGES, Stage
from gensim.checking.verdict import CheckVerdict


def _passing() -> CheckVerdict:
    return CheckVerdict("t", 1, [0, 2], successes=[True, True], success_rate=1.0, rewards=[1.0, 1.0],
                        task_rewards=[1.0, 1.0], steps=[2, 3]).finish()


def test_round_trip_through_json() -> None:
    verdict = _passing()
    assert verdict.passed and verdict.outcome == "pass" and verdict.stage == "done"
    doc = json.loads(json.dumps(verdict.to_json()))
    assert CheckVerdict.from_json(doc) == verdict


@pytest.mark.parametrize(("change", "needle"), [
    ({"passed": "yes"}, "verdict.passed: expected true or false"),
    ({"stage": "integrity"}, "unknown check stage 'integrity'"),
    ({"outcome": "fine"}, "verdict.outcome"),
    ({"seeds": [0, "2"]}, "verdict.seeds[1]: expected an integer"),
    ({"success_rate": float("nan")}, "not finite"),
    ({"rewards": [1.0, None]}, "verdict.rewards[1]: expected a finite number"),
    ({"extra": 1}, "unknown keys ['extra']"),
    ({"stage": "success"}, "contradicts stage"),
    ({"successes": [True]}, "1 successes for 2 seeds"),
    ({"isolation": {"network": 3}}, "verdict.isolation.network: expected a string"),
])
def test_malformed_verdicts_are_one_line_errors(change: dict, needle: str) -> None:
    doc = {**_passing().to_json(), **change}
    with pytest.raises(DecodeError) as err:
        CheckVerdict.from_json(doc)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_missing_key_and_not_an_object() -> None:
    doc = _passing().to_json()
    del doc["name"]
    with pytest.raises(DecodeError, match="missing 'name'"):
        CheckVerdict.from_json(doc)
    with pytest.raises(DecodeError, match="expected an object"):
        CheckVerdict.from_json([1, 2])


def test_bounded_refuses_deep_and_huge_documents() -> None:
    deep: list = []
    for _ in range(3000):  # the 3,000-deep warnings list of the red team
        deep = [deep]
    with pytest.raises(DecodeError, match="nested deeper"):
        bounded({"warnings": deep}, "verdict")
    with pytest.raises(DecodeError, match="more than 10 items"):
        bounded(list(range(20)), "record", max_items=10)
    with pytest.raises(DecodeError, match="type object"):
        bounded({"a": object()}, "record")


def test_record_decoding_checks_types_and_shapes() -> None:
    good = {"name": "t", "max_steps": 3, "load_error": None, "episodes": []}
    assert RunRecord.from_json(good).max_steps == 3
    with pytest.raises(DecodeError, match="record.max_steps: expected an integer"):
        RunRecord.from_json({**good, "max_steps": "3"})
    episode = {"seed": 0, "error_stage": "integrity"}
    with pytest.raises(DecodeError, match="is not reset or runtime"):
        RunRecord.from_json({**good, "episodes": [episode]})
    action = {"seed": 0, "actions": [[[[0.5, 0, 0.1], [0, 0, 0, 1]]]]}
    with pytest.raises(DecodeError, match=r"an action is \[pose0, pose1\]"):
        RunRecord.from_json({**good, "episodes": [action]})


def test_one_ordered_list_of_stages() -> None:
    assert [s.value for s in STAGES] == ["static", "load", "reset", "runtime", "determinism", "goals",
                                         "replay", "success", "bounds", "budget"]
    assert Stage.DONE not in STAGES and set(OUTCOMES) >= {"pass", "timeout", "died", "error"}
    verdict = CheckVerdict("t", 1, [0]).fail(Stage.SUCCESS, "success: no").fail(Stage.GOALS, "goals: no")
    assert verdict.finish().stage == "goals" and verdict.outcome == "goals"  # the earliest failed stage
