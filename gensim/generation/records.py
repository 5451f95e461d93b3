"""What a campaign writes down: DB records of candidates (with lineage) and their admission.

Every attempt that produced code becomes a `TaskVersion` (status rejected, or admitted for the
final attempt of an admitted candidate) with its `ValidationResult`s; a repair points at the
attempt it repaired ("repair"), every attempt at the few-shot examples it was shown
("few-shot"), and a top-down target at the admitted stepping stones of its curriculum
("curriculum") and at the earlier version of the same task ("previous").
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from gensim.checking.static import ASSETS_ROOT, known_colours
from gensim.db import provenance as prov
from gensim.db import repository as repo
from gensim.db.models import id_of
from gensim.generation.candidate import Attempt, Candidate, StageVerdict
from gensim.generation.tracker import CampaignTracker

__all__ = ["CampaignTracker", "prompt_context", "jsonable", "store_candidate", "candidate_state",
           "attempts_from_json"]

HIDDEN_ASSET_DIRS = {"plane", "workspace", "gripper"}


def prompt_context() -> dict[str, Any]:
    """What every prompt shows: the colour names and the asset paths tasks may use."""
    assets = sorted(
        str(p.relative_to(ASSETS_ROOT)) for p in ASSETS_ROOT.rglob("*.urdf")
        if p.relative_to(ASSETS_ROOT).parts[0] not in HIDDEN_ASSET_DIRS
    )
    return {"colours": sorted(known_colours()), "assets": assets}


def jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def candidate_state(cand: Candidate) -> dict[str, Any]:
    """A finished candidate as stored on the campaign row (enough to resume and report)."""
    return {
        "proposal": jsonable(cand.proposal), "role": cand.role, "status": cand.status, "stage": cand.stage,
        "reason": cand.reason, "version_id": cand.version_id, "version": cand.version,
        "version_ids": list(cand.version_ids),  # every version it wrote (see `recover_dead_process`)
        "attempts": [
            {"round": a.round, "verdicts": [jsonable(v) for v in a.verdicts]} for a in cand.attempts
        ],
    }


def attempts_from_json(docs: list[dict[str, Any]]) -> list[Attempt]:
    return [Attempt(d["round"], None, [StageVerdict(**v) for v in d["verdicts"]]) for d in docs]


def decide(cand: Candidate, runner: Any) -> None:
    """Admit or reject a candidate whose checks are done (novelty is judged here, under lock)."""
    final = cand.final
    failed = final.failed if final else None
    if final is None or failed is not None:
        cand.status = "rejected"
        cand.stage = failed.stage if failed else "api"
        cand.reason = (failed.error if failed else None) or "no attempt was made"
        return
    exclude = frozenset(
        c.name for c in runner.candidates.values() if cand.role == "target" and c.role == "curriculum"
    )
    if cand.role == "target" and runner.cfg.target:
        # A target named `build-car-generated` by the naming rule is a version of build-car by
        # design, not a duplicate of it.
        exclude = exclude | {runner.cfg.target}
    passed, reason = runner.library.novelty(cand.name, str(cand.proposal.get("description", "")),
                                            cand.code or "", exclude)
    final.verdicts.append(StageVerdict("novelty", passed, 0.0, None if passed else reason, {"reason": reason}))
    if passed:
        cand.status, cand.stage, cand.reason = "admitted", None, None
    else:
        cand.status, cand.stage, cand.reason = "rejected", "novelty", reason


def store_candidate(cand: Candidate, runner: Any, tracker: CampaignTracker) -> None:
    """Decide, write the candidate's versions and verdicts, log its MLflow child run."""
    decide(cand, runner)
    cand.mlflow_run_id = tracker.start_child(cand)
    parents_common: list[tuple[int, str]] = [(vid, "few-shot") for vid in cand.examples]
    if cand.role == "target":
        for other in runner.candidates.values():
            if other.status == "admitted" and other.version_id and other.role == "curriculum":
                parents_common.append((other.version_id, "curriculum"))
        previous = runner.library.get(cand.name)
        if previous is not None:
            parents_common.append((previous.version_id, "previous"))
        target = runner.library.get(runner.cfg.target or "")
        if target is not None and target.name != cand.name:  # a built-in target, renamed by the naming rule
            parents_common.append((target.version_id, "target"))
    description = str(cand.proposal.get("description", ""))
    assets = [str(a) for a in cand.proposal.get("assets", []) if isinstance(a, str)]
    previous_attempt: int | None = None
    written: list[int] = []
    coded = cand.attempts  # every attempt, also those that produced no code (api, parse)
    for attempt in coded:
        is_final = attempt is coded[-1]
        admitted = is_final and cand.status == "admitted"
        parents = list(parents_common)
        if previous_attempt is not None:
            parents.append((previous_attempt, "repair"))
        failed = attempt.failed
        version = repo.add_task_version(
            cand.name, attempt.code or "", description, origin="generated",
            tags=["generated", runner.cfg.mode], parents=_unique(parents),
            status="admitted" if admitted else "rejected", assets=assets, prompts=cand.prompts,
            provider=runner.provider_name, model=runner.model,
            success_rate=cand.success_rate if is_final else None,
            seeds=cand.seeds if is_final else [], campaign_id=runner.campaign_id,
            mlflow_run_id=cand.mlflow_run_id,
        )
        if not admitted:
            stage = (failed.stage if failed else cand.stage) or "superseded"
            reason = (failed.error if failed else cand.reason) or "repaired by a later attempt"
            repo.set_version_status(id_of(version), "rejected", stage=stage, reason=reason)
        for v in attempt.verdicts:
            prov.add_validation_result(id_of(version), v.stage, v.passed, seconds=v.seconds, error=v.error,
                                       details={**jsonable(v.details), "round": attempt.round})
        previous_attempt = id_of(version)
        written.append(id_of(version))
        cand.version_id, cand.version = id_of(version), int(version.version)
    if cand.status == "admitted":
        runner.library.refresh()
        tracker.log_media(cand)
    cand.version_ids = written
    tracker.finish_child(cand, written)


def _unique(pairs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    seen: dict[int, str] = {}
    for vid, rel in pairs:
        seen.setdefault(vid, rel)
    return list(seen.items())
