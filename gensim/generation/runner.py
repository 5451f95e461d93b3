"""`CampaignRunner`: the stateful part of a campaign (see `campaign.py` for the call order)."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from gensim.db import provenance as prov
from gensim.db.models import id_of
from gensim.db.session import ensure_schema
from gensim.generation import records
from gensim.generation.author import Author, is_provider_failure
from gensim.generation.campaign import (
    CampaignConfig,
    CampaignResult,
    process_candidate,
    run_name,
    stage_counts,
)
from gensim.generation.candidate import Candidate, StageVerdict
from gensim.generation.library import Library, sync_builtins
from gensim.generation.validate import CheckSettings
from gensim.interrupts import Interrupted
from gensim.llm.accounting import Budget, BudgetExceeded, Ledger
from gensim.llm.factory import make_provider


class CampaignRunner:
    """One campaign run (or resumption)."""

    def __init__(self, cfg: CampaignConfig, settings: Any, on_event: Any = None,
                 defer_tracking: bool = False) -> None:
        self.cfg = cfg
        self.defer_tracking = defer_tracking
        self.settings = settings
        self.on_event = on_event or (lambda kind, cand: None)
        self.ledger = Ledger()
        self.budget = Budget(max_cost_usd=cfg.max_cost, max_tokens=cfg.max_tokens)
        self.provider = make_provider(
            settings, None if cfg.replay else cfg.llm, record=cfg.record, replay_file=cfg.replay,
            ledger=self.ledger, budget=self.budget,
        )
        self.provider.preflight()
        self.model = cfg.model or getattr(self.provider, "model", settings.llm_model)
        self.lock = threading.Lock()
        self.stopped: str | None = None
        self.check = CheckSettings(seeds=tuple(cfg.seeds), threshold=cfg.threshold, timeout_s=cfg.check_timeout_s)

    # ----------------------------------------------------------------------------------------
    def run(self) -> CampaignResult:
        start = time.perf_counter()
        cfg = self.cfg
        ensure_schema()
        sync_builtins()
        self.library = Library(novelty_threshold=cfg.novelty_threshold)
        self.author = Author(
            self.provider, cfg.mode, self.model,
            cfg.temperature if cfg.temperature is not None else self.settings.llm_temperature,
            self.settings.llm_max_tokens, cfg.seed, records.prompt_context(),
        )
        campaign, state = self._open_campaign()
        self.campaign_id = id_of(campaign)
        self.state = state
        tracker = records.CampaignTracker(self.cfg, self.campaign_id, run_name(cfg, self.campaign_id),
                                          self.provider_name, defer=self.defer_tracking)
        status = "failed"
        try:
            with tracker:
                prov.update_campaign(self.campaign_id, mlflow_run_id=tracker.run_id)
                self._plan()
                self._save_state()
                self.on_event("planned", len(state["plan"]))
                done = [self._restore(t) for t in sorted(state["finished"], key=int)]
                self.candidates = {c.trial: c for c in done}
                todo = [p for p in state["plan"] if str(p["trial"]) not in state["finished"]]
                ahead = [p for p in todo if p["role"] != "target"]
                last = [p for p in todo if p["role"] == "target"]
                for group in (ahead, last):
                    self._process(group, tracker)
                status = "finished"
                result = self._result(start, tracker.run_id)
                result.mlflow_url = tracker.url
                admitted = [c.version_id for c in self._admission_order() if c.version_id]
                diversity = self.library.diversity(admitted) if admitted else {"metrics": {}, "curve": []}
                result.diversity = diversity["metrics"]
                tracker.close_campaign(result, list(self.candidates.values()), self.ledger, diversity["curve"])
            result.mlflow_run_id, result.mlflow_url = tracker.run_id, tracker.url  # a deferred run's, now
            return result
        except KeyboardInterrupt:
            status = "interrupted"
            n_done = len(self.state.get("finished", {}))
            raise Interrupted(f"campaign {self.campaign_id} stopped after {n_done} of "
                              f"{len(self.state.get('plan', [])) or self.cfg.trials} trials (kept in the "
                              "task DB); rerun the same command with --resume to continue") from None
        finally:
            prov.update_campaign(self.campaign_id, status=status, counts=self._counts_doc())

    @property
    def provider_name(self) -> str:
        return str(getattr(self.provider, "name", "provider"))

    # Campaign row and resume ----------------------------------------------------------------
    def _open_campaign(self) -> tuple[Any, dict[str, Any]]:
        cfg = self.cfg
        if cfg.resume:
            for row in prov.list_campaigns(limit=50):
                if row.mode == cfg.mode and row.target == cfg.target and row.status != "finished":
                    prov.update_campaign(id_of(row), status="running")
                    state = dict(row.counts or {})
                    state.setdefault("plan", [])
                    state.setdefault("finished", {})
                    recover_dead_process(id_of(row), state, sweep_runs=not self.defer_tracking)
                    return row, state
        row = prov.create_campaign(cfg.mode, provider=self.provider_name, model=self.model,
                                   target=cfg.target, settings=records.jsonable(cfg))
        return row, {"plan": [], "finished": {}, "stages": {}}

    def _counts_doc(self) -> dict[str, Any]:
        doc = dict(self.state)
        cands = list(getattr(self, "candidates", {}).values())
        doc["stages"] = stage_counts(cands)
        doc["admitted"] = sorted(c.name for c in cands if c.status == "admitted")
        doc["llm"] = self.ledger.summary()
        if self.stopped:
            doc["stopped"] = self.stopped
        return doc

    def _save_state(self) -> None:
        prov.update_campaign(self.campaign_id, counts=self._counts_doc())

    def _restore(self, trial: str) -> Candidate:
        doc = self.state["finished"][trial]
        cand = Candidate(trial=int(trial), proposal=doc["proposal"], role=doc.get("role", "task"))
        cand.status, cand.stage, cand.reason = doc["status"], doc.get("stage"), doc.get("reason")
        cand.version_id, cand.version = doc.get("version_id"), doc.get("version")
        cand.attempts = records.attempts_from_json(doc.get("attempts", []))
        return cand

    # Proposals --------------------------------------------------------------------------------
    def _plan(self) -> None:
        """Make the campaign's proposals once (stored, so a resume reuses them)."""
        if self.state["plan"]:
            return
        cfg = self.cfg
        plan: list[dict[str, Any]] = []
        log: list[dict[str, Any]] = []
        try:
            if cfg.mode == "topdown-cot":
                existing = self.library.get(cfg.target or "")
                doc = self.author.plan(cfg.target or "", existing.description if existing else "", log)
                self.state["reasoning"] = str(doc.get("reasoning", ""))
                steps = [p for p in doc.get("tasks", []) if isinstance(p, dict)][: max(0, cfg.trials - 1)]
                for p in steps:
                    plan.append({"role": "curriculum", "proposal": p})
                raw_target = doc.get("target")
                target: dict[str, Any] = dict(raw_target) if isinstance(raw_target, dict) else {}
                target["name"] = cfg.target
                target.setdefault("description", existing.description if existing else cfg.target)
                plan.append({"role": "target", "proposal": target})
            elif cfg.mode == "topdown":
                existing = self.library.get(cfg.target or "")
                proposal = {"name": cfg.target, "description": existing.description if existing else
                            f"The task {cfg.target}.", "assets": existing.assets if existing else []}
                plan.append({"role": "target", "proposal": proposal})
            elif cfg.mode == "bottomup":
                taken = set(self.library.names())
                for trial in range(cfg.trials):
                    cand_log: list[dict[str, Any]] = []
                    prompts: dict[str, str] = {}
                    try:
                        p = self.author.propose(trial, self.library.listing(), sorted(taken), cand_log, prompts)
                    except Exception as err:  # noqa: BLE001
                        if is_provider_failure(err) and isinstance(err, BudgetExceeded):
                            raise
                        p = {"name": f"proposal-{trial}", "description": "", "_error": _stage_of(err, str(err))}
                    taken.add(p["name"])
                    plan.append({"role": "task", "proposal": p, "log": cand_log, "prompts": prompts})
            else:  # vanilla: proposal and code come from one prompt, per candidate
                plan = [{"role": "task", "proposal": {"name": f"vanilla-{t}", "description": ""}}
                        for t in range(cfg.trials)]
        except BudgetExceeded as err:
            self.stopped = str(err)
        except Exception as err:
            from gensim.llm.parsing import ParseError

            if isinstance(err, ParseError) or is_provider_failure(err):
                # The plan itself failed: fall back to the target alone, and say why.
                self.state["reasoning"] = f"the curriculum could not be planned ({err}); writing the target alone"
                plan = [{"role": "target", "proposal": {"name": cfg.target, "description": cfg.target or ""}}]
            else:
                raise
        for trial, item in enumerate(plan):
            item["trial"] = trial
            _apply_naming_rule(item["proposal"])
        self.state["plan"] = plan
        self.state["plan_log"] = log

    # Processing -------------------------------------------------------------------------------
    def _process(self, group: list[dict[str, Any]], tracker: Any) -> None:
        """Process one group of candidates in `workers` threads, deterministically.

        Worker timing must not change a campaign (a replayed session has to give the same code
        and verdicts): every candidate of the group sees the library as it was when the group
        started (its few-shot examples and the names a vanilla author avoids), and candidates
        are admitted and stored in trial order, so novelty is always judged against the same
        earlier admissions. A candidate that finishes before an earlier one waits for it.
        """
        if not group or self.stopped:
            return
        seen = {int(item["trial"]): self._library_view(item) for item in group}
        order = [int(item["trial"]) for item in group]
        finished: dict[int, Candidate] = {}
        pool = ThreadPoolExecutor(max_workers=max(1, self.cfg.workers))
        try:
            futures = {pool.submit(self._one, item, seen[int(item["trial"])]): item for item in group}
            for fut in as_completed(futures):
                cand = fut.result()
                finished[cand.trial] = cand
                while order and order[0] in finished:
                    self._store(finished.pop(order.pop(0)), tracker)
        finally:
            # On an interrupt, queued candidates never start; running ones end soon (their
            # sandboxes are killed and no new one starts) and are redone on --resume, as are
            # finished ones still waiting for an earlier trial.
            pool.shutdown(wait=True, cancel_futures=True)

    def _library_view(self, item: dict[str, Any]) -> tuple[list[Any], list[str]]:
        """The few-shot examples for a candidate and the library's names, as of now."""
        proposal = dict(item["proposal"])
        examples = [] if "_error" in proposal else self.library.few_shot(proposal, self.cfg.few_shot)
        return examples, self.library.names()

    def _store(self, cand: Candidate, tracker: Any) -> None:
        with self.lock:
            records.store_candidate(cand, self, tracker)
            self.candidates[cand.trial] = cand
            self.state["finished"][str(cand.trial)] = records.candidate_state(cand)
            self.state["finished"][str(cand.trial)]["mlflow_run_id"] = cand.mlflow_run_id
            self._save_state()
        self.on_event("finished", cand)

    def _one(self, item: dict[str, Any], seen: tuple[list[Any], list[str]]) -> Candidate:
        cfg = self.cfg
        cand = Candidate(trial=int(item["trial"]), proposal=dict(item["proposal"]), role=item["role"])
        cand.conversation += item.get("log", [])
        cand.prompts.update(item.get("prompts", {}))
        self.on_event("started", cand)
        if self.stopped:
            cand.attempts.append(_failed("api", f"not started: {self.stopped}"))
            return self._reject(cand)
        if "_error" in cand.proposal:
            stage, message = cand.proposal["_error"]
            cand.attempts.append(_failed(stage, message))
            return self._reject(cand)
        first_code = None
        examples, names = seen
        cand.examples = [t.version_id for t in examples]
        shown = [{"name": t.name, "description": t.description, "code": t.code} for t in examples]
        try:
            if cfg.mode == "vanilla":
                proposal, first_code = self.author.write_vanilla(
                    cand.trial, shown, cand.conversation, cand.prompts, names)
                cand.proposal = proposal
        except Exception as err:  # noqa: BLE001
            stage, message = _stage_of(err, str(err))
            if isinstance(err, BudgetExceeded):
                self.stopped = str(err)
            cand.attempts.append(_failed(stage, message))
            return self._reject(cand)
        try:
            process_candidate(cand, self.author, self.check, cfg.repair_rounds, shown, first_code)
        except BudgetExceeded as err:
            self.stopped = str(err)
        final = cand.final
        if final is None or final.failed is not None:
            return self._reject(cand)
        # Critic.
        t0 = time.perf_counter()
        try:
            n = len(cand.seeds) or len(self.check.seeds)
            ok, reason = self.author.critic(cand.trial, cand.proposal, cand.code or "",
                                            round((cand.success_rate or 0) * n), n,
                                            cand.conversation, cand.prompts)
            final.verdicts.append(StageVerdict("critic", ok, time.perf_counter() - t0, None if ok else reason,
                                               {"reason": reason}))
        except Exception as err:  # noqa: BLE001
            if isinstance(err, BudgetExceeded):
                self.stopped = str(err)
            stage, message = _stage_of(err, str(err))
            final.verdicts.append(StageVerdict("critic", False, time.perf_counter() - t0,
                                               f"the critique failed ({stage}): {message}"))
        return cand

    def _admission_order(self) -> list[Candidate]:
        order = [int(t) for t in self.state["finished"]]  # dicts keep insertion (= admission) order
        return [self.candidates[t] for t in order if t in self.candidates and self.candidates[t].status == "admitted"]

    def _result(self, start: float, run_id: str | None) -> CampaignResult:
        cands = sorted(self.candidates.values(), key=lambda c: c.trial)
        total = self.ledger.total()
        return CampaignResult(
            campaign_id=self.campaign_id, mode=self.cfg.mode, target=self.cfg.target,
            provider=self.provider_name, model=self.model, candidates=len(cands),
            counts=stage_counts(cands),
            admitted=[c.name for c in cands if c.status == "admitted"],
            rejected=[{"name": c.name, "stage": c.stage, "reason": c.reason} for c in cands if c.status != "admitted"],
            mlflow_run_id=run_id, seconds=round(time.perf_counter() - start, 2),
            tokens=int(total.prompt_tokens + total.completion_tokens), cost_usd=round(total.cost_usd, 6),
            stopped=self.stopped, reasoning=self.state.get("reasoning"),
            details=[{"name": c.name, "trial": c.trial, "role": c.role, "status": c.status,
                      "version": c.version, "repairs": max(0, len(c.attempts) - 1),
                      "reply_to_verdict_s": [round(x, 3) for x in c.reply_to_verdict_s]} for c in cands],
        )

    def _reject(self, cand: Candidate) -> Candidate:
        cand.status = "rejected"
        return cand


def recover_dead_process(campaign_id: int, state: dict[str, Any], sweep_runs: bool = True) -> None:
    """On resume, close what a killed process of this campaign left open.

    Task versions it wrote for candidates whose state was never saved (it died while storing
    them, e.g. during the media of an admitted task) are marked rejected at stage
    `interrupted` (the candidate is redone); MLflow runs of the campaign still RUNNING are
    marked KILLED (the process that would have ended them is gone; `sweep_runs=False` leaves
    that to other commands: a campaign that defers its tracking opens no MLflow store, and its
    runs are never left RUNNING, as a killed process never published them).
    """
    from gensim.db import repository as repo

    finished = list(state.get("finished", {}).values())
    if finished and all("version_ids" in doc for doc in finished):  # the versions each one wrote
        written = {int(v) for doc in finished for v in doc["version_ids"]}
        for version in repo.list_versions(campaign_id=campaign_id):
            if id_of(version) not in written and version.rejection_stage != "interrupted":
                repo.set_version_status(id_of(version), "rejected", stage="interrupted",
                                        reason="the campaign process died while storing this candidate; "
                                               "it was redone on resume")
    elif all("mlflow_run_id" in doc for doc in finished):  # states saved before version_ids
        kept = {doc["mlflow_run_id"] for doc in finished}
        for version in repo.list_versions(campaign_id=campaign_id):
            if version.mlflow_run_id not in kept and version.rejection_stage != "interrupted":
                repo.set_version_status(id_of(version), "rejected", stage="interrupted",
                                        reason="the campaign process died while storing this candidate; "
                                               "it was redone on resume")
    if not sweep_runs:
        return
    from gensim.generation.tracker import _home
    from gensim.tracking import GENERATE, get_tracker

    tracker = get_tracker()
    experiment = tracker.experiment_id(GENERATE)
    if experiment is None:
        return
    runs = tracker.call("search_runs", [experiment], max_results=5000,
                        filter_string=f"tags.`gensim.campaign_id` = '{campaign_id}' and attributes.status = 'RUNNING'")
    for run in runs or []:
        if run.data.tags.get("gensim.home") == _home():
            tracker.call("set_terminated", run.info.run_id, "KILLED")


def _failed(stage: str, message: str) -> Any:
    from gensim.generation.candidate import Attempt

    attempt = Attempt(0)
    if stage != "api":
        attempt.verdicts.append(StageVerdict("api", True))
    attempt.verdicts.append(StageVerdict(stage, False, 0.0, message))
    return attempt


def _stage_of(err: BaseException, message: str) -> tuple[str, str]:
    from gensim.llm.parsing import ParseError

    if isinstance(err, ParseError):
        return "parse", err.reason
    if is_provider_failure(err):
        return "api", message
    raise err  # anything else is a bug in gensim, not a verdict on the candidate


def dumps(doc: Any) -> str:
    return json.dumps(doc, default=str)


def _apply_naming_rule(proposal: dict[str, Any]) -> None:
    """A proposal named like a built-in (or a task of another origin) gets the DB's suffixed name
    (`build-car` -> `build-car-generated`); see `gensim.db.repository.name_for`."""
    from gensim.db import repository as repo
    from gensim.errors import UsageError

    name = str(proposal.get("name") or "")
    try:
        stored = repo.name_for(name, "generated")
    except UsageError:
        return  # not a task id at all: the candidate fails where it is stored, as before
    if stored != name:
        proposal.setdefault("proposed_name", name)
        proposal["name"] = stored
