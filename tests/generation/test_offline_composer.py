"""The offline composer: deterministic, honest about what it is, plans curricula, repairs."""

from __future__ import annotations

import json

from gensim.llm.offline import MODEL, NAME, OfflineComposer
from gensim.llm.parsing import extract_code, extract_json
from gensim.llm.protocol import ChatRequest


def ask(stage: str, **meta) -> str:
    request = ChatRequest.create(stage, [("user", "prompt text")], model="gpt-4o", temperature=0.2,
                                 max_tokens=100, metadata=meta)
    return OfflineComposer("gpt-4o").complete(request).text


def test_names_itself_a_composer() -> None:
    composer = OfflineComposer("gpt-4o")
    assert composer.name == NAME == "offline"
    assert composer.model == MODEL and "composer" in MODEL


def test_same_request_same_answer() -> None:
    assert ask("propose", seed=3, trial=1, taken=[]) == ask("propose", seed=3, trial=1, taken=[])
    assert ask("propose", seed=3, trial=1, taken=[]) != ask("propose", seed=3, trial=2, taken=[])


def test_plan_leads_to_the_target() -> None:
    doc = extract_json(ask("plan", target="build-car", seed=0))
    names = [t["name"] for t in doc["tasks"]]
    assert doc["target"]["name"] == "build-car"
    assert len(names) >= 3 and all(n.startswith("build-car-") for n in names)
    assert "wheels" in doc["reasoning"]


def test_proposals_avoid_taken_names() -> None:
    first = extract_json(ask("propose", seed=0, trial=0, taken=[]))["name"]
    again = extract_json(ask("propose", seed=0, trial=0, taken=[first]))["name"]
    assert again != first


def test_repair_keeps_earlier_fixes() -> None:
    proposal = {"name": "build-ball-tower", "description": "d",
                "design": {"kind": "layout", "layout": "tower", "groups": ["tower"],
                           "colors": {"tower": "red"}, "swap": {"block": "ball"}}}
    history = [{"stage": "success", "message": "expert failed"}, {"stage": "static", "message": "asset"}]
    for round_ in (1, 2, 3, 4):
        text = ask("repair", seed=0, trial=0, round=round_, proposal=proposal,
                   error=history[-1], history=history)
        if "```python" in text:
            code = extract_code(text)
            assert "ball/ball-template.urdf" not in code  # the ball->cylinder fix is kept
            assert "cylinder" in code


def test_critic_rejects_trivial_tasks() -> None:
    one = {"name": "x", "design": {"kind": "containers", "object": "block", "container": "bowl",
                                   "colors": ["red"], "per_color": 1}}
    verdict = extract_json(ask("critic", seed=0, trial=0, proposal=one))
    assert verdict["accept"] is False and "trivial" in verdict["reason"]
    json.dumps(verdict)
