"""`offline`: the embedded default provider, a deterministic, seeded, rule-based task composer.

It is NOT a language model and never claims to be one: it plays the model's part in every stage
of the pipeline (plan a curriculum, propose, write code, repair, criticise) by recombining the
objects, colours, relations and layouts of `vocabulary.py`. Its answers are shaped like a model's
(JSON and fenced code in prose), so they go through the same parsing, checks and sandbox as any
model's. Given the same request (stage, metadata with seed and trial), it gives the same answer.

What it reads from `ChatRequest.metadata` (the pipeline sets these for every provider; a real
model gets the same facts in the prompt text):
- all stages: `seed` (campaign seed), `trial` (candidate index), `round` (repair round);
- `propose`: `taken` (names already in the library or this campaign);
- `plan`: `target`;
- `write_code`, `repair`, `critic`: `proposal` (the proposal JSON, with the composer's `design`);
- `repair`: `error` (`{"stage": ..., "message": ...}`), the stage and message of the failure,
  and `history`, every failure of the candidate so far (so a repair keeps earlier fixes).

Some of its proposals are infeasible (towers taller than the workspace, things that roll stacked
on each other) and some first drafts carry a plausible coding mistake (`faults.py`), so static
checks, the sandbox, the repair loop and the critic all see real failures.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import numpy as np

from gensim.llm.offline import codegen, designs, faults
from gensim.llm.protocol import ChatReply, ChatRequest, ProviderError

NAME = "offline"
MODEL = "rule-based-composer-v1"


class OfflineComposer:
    """The offline provider (see the module docstring)."""

    name = NAME

    def __init__(self, model: str = MODEL) -> None:
        self.model = MODEL if model in ("", None) or model.startswith("gpt") else model

    def preflight(self) -> None:
        """Nothing to check: the composer needs no key and no network."""

    def complete(self, request: ChatRequest) -> ChatReply:
        start = time.perf_counter()
        meta = dict(request.metadata)
        handler = {
            "propose": self._propose,
            "plan": self._plan,
            "write_code": self._write_code,
            "repair": self._repair,
            "critic": self._critic,
        }.get(request.stage)
        if handler is None:
            raise ProviderError(f"the offline composer has no '{request.stage}' stage", kind="api")
        text = handler(meta, self._rng(request))
        return ChatReply.local(
            request, text, provider=NAME, model=self.model, latency_s=time.perf_counter() - start
        )

    # Stages ----------------------------------------------------------------------------------
    def _propose(self, meta: dict[str, Any], rng: np.random.Generator) -> str:
        design = designs.propose(rng, set(meta.get("taken", [])))
        proposal = _proposal(design)
        return (
            f"Here is a new task that the library does not have yet.\n\n```json\n"
            f"{json.dumps(proposal, indent=2)}\n```\n"
        )

    def _plan(self, meta: dict[str, Any], rng: np.random.Generator) -> str:
        target = str(meta.get("target") or "build-car")
        steps, target_design, reasoning = designs.curriculum(target, rng)
        doc = {
            "reasoning": reasoning,
            "tasks": [_proposal(d) for d in steps],
            "target": _proposal(target_design),
        }
        return f"Curriculum toward `{target}`.\n\n```json\n{json.dumps(doc, indent=2)}\n```\n"

    def _write_code(self, meta: dict[str, Any], rng: np.random.Generator) -> str:
        if not meta.get("proposal"):  # vanilla mode: invent the task and write it in one reply
            design = designs.propose(rng, set(meta.get("taken", [])))
            head = f"```json\n{json.dumps(_proposal(design), indent=2)}\n```\n\n"
            return head + _code_reply(codegen.write_code(design), faults.choose(rng, 0))
        design = _design_from(meta)
        return _code_reply(codegen.write_code(design), faults.choose(rng, int(meta.get("round", 0))))

    def _repair(self, meta: dict[str, Any], rng: np.random.Generator) -> str:
        design = _design_from(meta)
        error = meta.get("error") or {}
        change = ""
        for past in meta.get("history") or [error]:  # keep the fixes of earlier rounds
            design, fixed = designs.repair_design(design, str(past.get("stage", "")), str(past.get("message", "")))
            change = fixed or change
        fault = faults.choose(rng, max(1, int(meta.get("round", 1))))
        note = f"The failure was: {str(error.get('message', ''))[:200]}\n"
        note += f"Fix: {change}.\n" if change else "Fix: rewrote the code carefully.\n"
        return note + "\n" + _code_reply(codegen.write_code(design), fault)

    def _critic(self, meta: dict[str, Any], rng: np.random.Generator) -> str:
        design = _design_from(meta)
        n_parts = (
            len(designs.parts_of(design))
            if design["kind"] == "layout"
            else design["per_color"] * len(design["colors"])
        )
        if n_parts < 2:
            verdict = {"accept": False, "reason": "trivial: a single pick-and-place teaches little"}
        else:
            verdict = {"accept": True, "reason": "the code builds what the description says, with one goal per step"}
        return f"```json\n{json.dumps(verdict)}\n```\n"

    def _rng(self, request: ChatRequest) -> np.random.Generator:
        meta = request.metadata
        key = f"{request.stage}|{meta.get('seed', 0)}|{meta.get('trial', 0)}|{meta.get('round', 0)}"
        key += f"|{meta.get('target', '')}|{json.dumps(meta.get('proposal', {}), sort_keys=True)}"
        return np.random.default_rng(int(hashlib.sha256(key.encode()).hexdigest()[:16], 16))


def _proposal(design: designs.Design) -> dict[str, Any]:
    name, description = designs.describe(design)
    return {"name": name, "description": description, "assets": designs.assets_of(design), "design": design}


def _design_from(meta: dict[str, Any]) -> designs.Design:
    proposal = meta.get("proposal") or {}
    design = proposal.get("design")
    if not isinstance(design, dict) or "kind" not in design:
        raise ProviderError("the offline composer can only write tasks it proposed (no design given)", kind="api")
    design = dict(design)
    design.setdefault("name", proposal.get("name"))
    return design


def _code_reply(code: str, fault: str | None) -> str:
    if fault == "prose":
        return "The task places each part on its target pose in order, using add_goal for every step."
    if fault is not None:
        code = faults.inject(code, fault)
    return f"```python\n{code}```\n"


def from_settings(settings: Any = None) -> OfflineComposer:
    """Factory used by `gensim.llm.factory`."""
    return OfflineComposer(getattr(settings, "llm_model", MODEL) if settings is not None else MODEL)
