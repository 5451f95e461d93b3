"""The trusted replayer rebuilds a recorded scene exactly and judges it with the stock reward."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from gensim.checking.gate import check_task
from gensim.checking.recorder import record_run
from gensim.checking.replay import judge
from gensim.tasks.loader import load_task_file
from gensim.tasks.registry import make_task

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convention"


def _record(name: str, seeds: list[int]) -> dict:
    return json.loads(json.dumps(record_run(lambda: make_task(name), name, seeds, f"{name}.py").to_json()))


def test_replay_reproduces_the_experts_rewards_exactly() -> None:
    # filled templates (a box of random size), several seeds in one simulator: pybullet caches
    # files by name, so a replayed file must never reuse a name
    record = _record("align-box-corner", [0, 2, 4])
    verdict = judge(record, name="align-box-corner", version=1, seeds=[0, 2, 4], threshold=1.0)
    assert verdict.passed, verdict.errors
    assert verdict.rewards == verdict.task_rewards and not verdict.disagreements


def test_record_is_plain_data_the_replay_checks() -> None:
    record = _record("place-red-in-green", [0])
    scene = record["episodes"][0]["scene"]
    assert scene["ee"] == "suction" and scene["primitive"]["kind"] == "pick_place"
    assert {c["fn"] for c in scene["calls"]} >= {"loadURDF", "changeDynamics"}
    assert all(c["args"][0] == "{FILE}" and "asset" in c["files"]["0"] for c in scene["calls"] if c["fn"] == "loadURDF")
    assert scene["goals"] and scene["placed"][0]["urdf"].endswith(".urdf")
    # a record whose block is recorded at its target: the goal is reached before any action
    goal = scene["goals"][0]
    goal["targets"] = [scene["placed"][-1]["pose"]]
    goal["matches"] = [[True] for _ in goal["objs"]]
    verdict = judge(record, name="t", version=1, seeds=[0], threshold=1.0)
    assert verdict.stage in ("goals", "determinism"), verdict.errors


def test_unreplayable_scene_is_a_replay_error() -> None:
    record = _record("place-red-in-green", [0])
    for episode in record["episodes"]:
        load = next(c for c in episode["scene"]["calls"] if c["fn"] == "loadURDF")
        load["files"]["0"] = {"asset": "../../../../etc/hostname"}
    verdict = judge(record, name="t", version=1, seeds=[0], threshold=1.0)
    assert verdict.stage == "replay" and "not a file of the assets folder" in verdict.errors[0]
    record["episodes"][0]["actions"] = "lots"
    verdict = judge(record, name="t", version=1, seeds=[0], threshold=1.0)
    assert verdict.stage == "replay" and "malformed" in verdict.errors[0]


def test_a_textured_task_passes_the_gate() -> None:
    # the gate's replay renders nothing, but checks the texture's name all the same
    textured = Path(__file__).resolve().parents[1] / "fixtures" / "replay" / "textured_block_in_bowl.py"
    verdict = check_task(load_task_file(textured), seeds=[0, 2])
    assert verdict.passed, verdict.errors


def test_ropes_and_piles_replay() -> None:
    cls = load_task_file(FIXTURES / "blocks_into_zone.py")  # a zone goal
    assert check_task(cls, seeds=[0]).passed
    verdict = check_task("manipulating-rope", seeds=[2])
    assert verdict.passed and verdict.rewards == verdict.task_rewards, verdict.errors


def test_the_replay_renders_nothing_and_loads_no_task_code(monkeypatch: pytest.MonkeyPatch) -> None:
    import pybullet

    from gensim.tasks import loader

    record = _record("place-red-in-green", [0, 2])

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the replay must not do this")

    monkeypatch.setattr(pybullet, "getCameraImage", refuse)
    monkeypatch.setattr(loader, "load_task_class", refuse)
    before = {m for m in sys.modules if m.startswith("gensim_task_code_")}
    verdict = judge(record, name="t", version=1, seeds=[0, 2], threshold=1.0)
    assert {m for m in sys.modules if m.startswith("gensim_task_code_")} == before
    assert verdict.passed, verdict.errors
