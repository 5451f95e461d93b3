"""A generation campaign: plan or propose candidates, write, check, repair, criticise, admit.

Call order of one campaign (`run_campaign`):
1. resolve the provider (cache, recording, metering, budget) and fail fast on keys/servers;
2. bring the DB to head, sync the built-ins, open or resume the campaign row;
3. make the candidates' proposals (plan for `topdown-cot`, propose for `bottomup`, the target
   for `topdown`) and store them on the campaign row, so `--resume` redoes none of it;
4. process candidates in a pool of `workers` threads; each one's simulator checks run in a
   sandboxed child process, so several checks run in parallel processes;
5. admit or reject each candidate under one lock (novelty is judged against the library as it
   grows), record it in the DB and as an MLflow child run;
6. close the campaign: counts per stage, summary, plot.
In `topdown-cot` the target comes last, with the admitted stepping stones as its parents.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from gensim.checking.conventions import CHECK_SEEDS, SUCCESS_RATE
from gensim.errors import UsageError
from gensim.generation.author import Author, is_provider_failure
from gensim.generation.candidate import REPAIRABLE, STAGES, Attempt, Candidate, StageVerdict
from gensim.generation.validate import CheckSettings, validate

MODES = ("vanilla", "bottomup", "topdown", "topdown-cot")


@dataclass
class CampaignConfig:
    """Everything a campaign is run with (saved on the campaign row and in MLflow)."""

    mode: str = "topdown-cot"  # vanilla | bottomup | topdown | topdown-cot
    target: str | None = None  # target task name (top-down modes)
    trials: int = 8  # candidates at most
    workers: int = 2  # candidates processed at once (checks run in parallel processes)
    seeds: tuple[int, ...] = CHECK_SEEDS  # episode seeds of the expert check
    threshold: float = SUCCESS_RATE  # minimum expert success rate
    repair_rounds: int = 2  # K: repairs after a failure at stages parse..success
    few_shot: int = 3  # retrieved examples per prompt
    novelty_threshold: float = 0.90  # cosine similarity of a near-duplicate
    check_timeout_s: float = 240.0  # wall-clock limit of one sandboxed check (s)
    seed: int = 0  # campaign seed (sample index for the provider)
    llm: str | None = None  # provider name (default: settings)
    model: str | None = None  # model name (default: settings)
    temperature: float | None = None
    max_cost: float | None = None  # USD; the campaign stops cleanly when reached
    max_tokens: int | None = None  # tokens; the campaign stops cleanly when reached
    record: str | None = None  # session file to record every exchange to
    replay: str | None = None  # session file to answer from
    resume: bool = False  # resume the latest unfinished campaign with the same mode/target
    media: bool = True  # render a PNG and a GIF of admitted tasks


@dataclass
class CampaignResult:
    """The output contract of `gensim generate --json`."""

    campaign_id: int
    mode: str
    target: str | None
    provider: str
    model: str
    candidates: int
    counts: dict[str, int]
    admitted: list[str]
    rejected: list[dict[str, Any]]
    mlflow_run_id: str | None
    seconds: float
    tokens: int = 0
    cost_usd: float = 0.0
    mlflow_url: str | None = None  # the run's page in the MLflow UI
    stopped: str | None = None  # why the campaign stopped early (budget), if it did
    reasoning: str | None = None  # the curriculum's reasoning (topdown-cot)
    diversity: dict[str, float] = field(default_factory=dict)  # library and campaign diversity
    details: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_campaign(cfg: CampaignConfig, settings: Any = None,
                 on_event: Callable[[str, Any], None] | None = None, *,
                 defer_tracking: bool = False) -> CampaignResult:
    """Run (or resume) one campaign; see the module docstring for the call order.
    `defer_tracking` logs its MLflow runs after it, from the home's outbox (see
    `gensim.generation.tracker`)."""
    from gensim.config import get_settings
    from gensim.generation.runner import CampaignRunner

    check_config(cfg)
    return CampaignRunner(cfg, settings or get_settings(), on_event, defer_tracking).run()


def check_config(cfg: CampaignConfig) -> None:
    """UsageError for a campaign that cannot start (mode, target, trials): cheap, called before
    any progress is shown."""
    if cfg.mode not in MODES:
        from gensim.errors import UnknownNameError

        raise UnknownNameError("generation mode", cfg.mode, MODES)
    if cfg.mode in ("topdown", "topdown-cot") and not cfg.target:
        raise UsageError(f"mode {cfg.mode} needs a target task name (--target)")
    if cfg.trials < 1:
        raise UsageError("--trials must be at least 1")


def process_candidate(cand: Candidate, author: Author, check: CheckSettings, repair_rounds: int,
                      examples: list[dict[str, Any]], first_code: str | None = None) -> Candidate:
    """Write, check and repair one candidate up to the critic (stages parse..success)."""
    start = time.perf_counter()
    code: str | None = first_code
    error: dict[str, Any] | None = None
    history: list[dict[str, Any]] = []  # every failure so far: a repair must not undo earlier fixes
    for round_ in range(repair_rounds + 1):
        attempt = Attempt(round_)
        cand.attempts.append(attempt)
        try:
            if round_ == 0 and code is None:
                code = author.write(cand.trial, cand.proposal, examples, cand.conversation, cand.prompts)
            elif round_ > 0:
                code = author.repair(cand.trial, round_, cand.proposal, code, error or {}, history,
                                     cand.conversation, cand.prompts)
        except Exception as err:  # noqa: BLE001 - classified below, never lost
            if is_provider_failure(err):
                attempt.verdicts.append(StageVerdict("api", False, 0.0, str(err)))
                if type(err).__name__ == "BudgetExceeded":
                    raise  # the campaign stops; the runner records why
                break
            from gensim.llm.parsing import ParseError

            if not isinstance(err, ParseError):
                raise
            attempt.verdicts += [StageVerdict("api", True), StageVerdict("parse", False, 0.0, err.reason)]
            error = {"stage": "parse", "message": err.reason, "details": ""}
            history.append(error)
            code = code if round_ > 0 else None
            continue
        assert code is not None  # write/repair return code or raise
        if round_ > 0 and any(a.code == code for a in cand.attempts[:-1]):
            # A repair that returns code already checked would get the same verdict (checks are
            # deterministic) and store a second version of the same code: the candidate ends
            # with that earlier attempt's verdict instead.
            cand.attempts.pop()
            break
        attempt.code = code
        attempt.verdicts += [StageVerdict("api", True), StageVerdict("parse", True)]
        t0 = time.perf_counter()
        verdicts, verdict = validate(code, cand.name, check)
        cand.reply_to_verdict_s.append(time.perf_counter() - t0)
        attempt.verdicts += verdicts
        failed = attempt.failed
        if failed is None:
            cand.success_rate = verdict.success_rate
            cand.seeds = list(verdict.seeds)
            break
        error = {"stage": failed.stage, "message": failed.error or "", "details": _short(failed.details)}
        history.append({"stage": failed.stage, "message": failed.error or ""})
        if failed.stage not in REPAIRABLE:
            break
    cand.seconds += time.perf_counter() - start
    return cand


def _short(details: dict[str, Any]) -> str:
    parts = []
    for key in ("stderr", "warnings", "last_action"):
        if details.get(key):
            parts.append(f"{key}: {str(details[key])[-600:]}")
    return "\n".join(parts)


def stage_counts(cands: list[Candidate]) -> dict[str, int]:
    """For each stage, how many candidates' final attempts passed it."""
    counts = dict.fromkeys(STAGES, 0)
    for c in cands:
        for stage in c.passed_stages():
            counts[stage] += 1
    return counts


def run_name(cfg: CampaignConfig, campaign_id: int) -> str:
    """The campaign's MLflow run name: what differs between campaigns (mode, target, trials,
    provider) and its id, short enough not to be cut in tables and legends."""
    words = [cfg.mode, cfg.target or "", f"{cfg.trials} trials", cfg.llm or "", f"#{campaign_id}"]
    return " ".join(w for w in words if w)
