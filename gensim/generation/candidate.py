"""Candidates of a campaign and the verdicts of their stages.

A campaign's stages, in order; a candidate that fails one does not reach the next:
1. `api`      the provider answered (a provider failure is never counted as a code failure)
2. `parse`    a proposal and code could be extracted from the replies
3. the gate's stages, `static` to `budget`, named once in `gensim.checking.stages.Stage`
   (static checks, load, reset, runtime, determinism, goals, replay, success, bounds, budget)
4. `critic`   the provider judges the task useful and faithful to its description
5. `novelty`  not a near-duplicate of an admitted task
Failures at `parse` and at any gate stage go back to the provider for repair (up to K rounds).

Campaigns stored before the gate's stages were used here name only four of them (`static`,
`load`, `runtime`, `success`); those names are still stages, so their records read as they were.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from gensim.checking.stages import STAGES as GATE_STAGES

STAGES: tuple[str, ...] = ("api", "parse", *(s.value for s in GATE_STAGES), "critic", "novelty")
REPAIRABLE: tuple[str, ...] = ("parse", *(s.value for s in GATE_STAGES))


@dataclass
class StageVerdict:
    """One stage of one attempt: passed or not, how long it took, and the precise error."""

    stage: str
    passed: bool
    seconds: float = 0.0
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Attempt:
    """One version of a candidate's code (round 0 is the first draft, then repairs)."""

    round: int
    code: str | None = None
    verdicts: list[StageVerdict] = field(default_factory=list)

    @property
    def failed(self) -> StageVerdict | None:
        return next((v for v in self.verdicts if not v.passed), None)


@dataclass
class Candidate:
    """A proposed task on its way through the pipeline."""

    trial: int  # index in the campaign (stable across --resume)
    proposal: dict[str, Any]  # name, description, assets (+ anything the provider added)
    role: str = "task"  # task | curriculum | target
    attempts: list[Attempt] = field(default_factory=list)
    conversation: list[dict[str, Any]] = field(default_factory=list)
    prompts: dict[str, str] = field(default_factory=dict)  # prompt name -> hash
    examples: list[int] = field(default_factory=list)  # version ids shown as few-shot examples
    parents: list[tuple[int, str]] = field(default_factory=list)  # (version id, relation)
    status: str = "candidate"  # admitted | rejected
    stage: str | None = None  # failing stage of a rejected candidate
    reason: str | None = None
    success_rate: float | None = None
    seeds: list[int] = field(default_factory=list)
    version_id: int | None = None
    version: int | None = None
    mlflow_run_id: str | None = None
    version_ids: list[int] = field(default_factory=list)  # the task versions stored for it, in order
    seconds: float = 0.0
    reply_to_verdict_s: list[float] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.proposal.get("name") or f"candidate-{self.trial}")

    @property
    def code(self) -> str | None:
        return next((a.code for a in reversed(self.attempts) if a.code), None)

    @property
    def final(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    def passed_stages(self) -> list[str]:
        """Stages the final attempt passed (what the per-stage counts add up)."""
        final = self.final
        if final is None:
            return []
        return [v.stage for v in final.verdicts if v.passed]

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["name"] = self.name
        return doc
