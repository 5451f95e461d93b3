"""MLflow records of a campaign: one parent run, one child run per candidate.

Logged live (`Tracker.run`, the library's default) or, with `defer`, kept as one outbox record
(`gensim.tracking.outbox`: the children inside the parent's record) and logged after the
campaign without importing MLflow in the command; the campaign row and the task versions then
learn their run ids when the record is logged (callbacks), and a tracking server is written to
before the command returns, as `gensim train` does.

Metric keys are the same in every campaign so that MLflow's compare view lines them up:
`candidates`, `admitted`, `count.<stage>`, `pass_rate.<stage>`, `tokens`, `cost_usd`,
`seconds`; per candidate `passed.<stage>` (0/1), `repair_rounds`, `success_rate`, `seconds`.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from gensim.generation.candidate import STAGES, Candidate

OFFLINE_NOTE = "rule-based task composer (not a language model)"


def _home() -> str:
    """The home folder of the task DB (campaign ids are per DB; a shared MLflow server may see
    several homes)."""
    from gensim.config import get_settings

    return str(get_settings().home_dir)


class CampaignTracker:
    """Opens the campaign's parent run on enter and closes it on exit (KILLED on Ctrl-C)."""

    def __init__(self, cfg: Any, campaign_id: int, run_name: str, provider: str, defer: bool = False) -> None:
        self.cfg = cfg
        self.defer = defer
        self.campaign_id = campaign_id
        self.run_name = run_name
        self.provider = provider
        self.run: Any = None
        self._cm: Any = None
        self._children: dict[int, Any] = {}
        self._child_runs: dict[int, Any] = {}

    @property
    def run_id(self) -> str | None:
        return getattr(self.run, "run_id", None)

    @property
    def url(self) -> str | None:
        """The campaign run's page in the MLflow UI."""
        return getattr(self.run, "url", None)

    def __enter__(self) -> CampaignTracker:
        from gensim.generation.records import jsonable
        from gensim.tracking import GENERATE, get_tracker

        tags = {
            "gensim.kind": "generation", "gensim.mode": self.cfg.mode, "gensim.target": self.cfg.target or "",
            "gensim.provider": self.provider, "gensim.campaign_id": self.campaign_id,
            "gensim.home": _home(),
        }
        if self.provider == "offline":
            tags["gensim.provider_kind"] = OFFLINE_NOTE
        params = {k: v for k, v in jsonable(self.cfg).items() if v is not None}
        params.setdefault("target", "none")  # same keys in every campaign, for the compare view
        tracker = get_tracker()
        if self.defer:
            from gensim.tracking.outbox import deferred_run

            self._cm = deferred_run(GENERATE, self.run_name, tags=tags, params=params,
                                    foreground=tracker.uri.startswith(("http://", "https://")))
        else:
            self._cm = tracker.run(GENERATE, self.run_name, tags=tags, params=params, system_metrics=True)
        self.run = self._cm.__enter__()
        if self.defer:  # the campaign row learns its run when the record is logged
            self.run.on_created("gensim.db.provenance:set_campaign_run", campaign_id=self.campaign_id)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for trial in list(self._children):
            self._end_child(trial, exc_type, exc, tb)
        self._cm.__exit__(exc_type, exc, tb)

    # Children ------------------------------------------------------------------------------
    def start_child(self, cand: Candidate) -> str | None:
        tags = {"gensim.task": cand.name, "gensim.role": cand.role, "gensim.status": cand.status,
                "gensim.campaign_id": self.campaign_id, "gensim.home": _home()}
        if cand.stage:
            tags["gensim.rejected_at"] = cand.stage
        params = {
            "task": cand.name, "trial": cand.trial, "role": cand.role, "mode": self.cfg.mode,
            "provider": self.provider, "seeds": list(cand.seeds or self.cfg.seeds),
            **{f"prompt.{k}": v for k, v in cand.prompts.items()},
        }
        cm = self.run.child(f"{cand.trial:02d} {cand.name}", tags=tags, params=params)
        child = cm.__enter__()
        self._children[cand.trial] = cm
        self._child_runs[cand.trial] = child
        return getattr(child, "run_id", None)

    def finish_child(self, cand: Candidate, version_ids: list[int] | None = None) -> None:
        """Log a stored candidate's metrics and artifacts and end its run; `version_ids` (the
        task versions it wrote) learn a deferred run's id when it is logged."""
        child = self._child_runs.get(cand.trial)
        if child is None:
            return
        if version_ids and child.run_id is None and getattr(child, "active", False):
            child.on_created("gensim.db.repository:set_versions_run", version_ids=list(version_ids))
        passed = set(cand.passed_stages())
        metrics: dict[str, float] = {f"passed.{s}": float(s in passed) for s in STAGES}
        tokens = sum(sum(m.get("tokens", [0, 0])) for m in cand.conversation)
        cost = sum(float(m.get("cost_usd", 0.0)) for m in cand.conversation)
        metrics.update(repair_rounds=max(0, len(cand.attempts) - 1), tokens=tokens, cost_usd=cost,
                       seconds=cand.seconds, admitted=float(cand.status == "admitted"))
        if cand.success_rate is not None:
            metrics["success_rate"] = cand.success_rate
        child.log_metrics(metrics)
        child.log_dict({"conversation": cand.conversation}, "conversation.json")
        if cand.code:
            child.log_text(cand.code, f"{cand.name}.py")
        verdict = {"status": cand.status, "stage": cand.stage, "reason": cand.reason,
                   "version_id": cand.version_id, "version": cand.version,
                   "attempts": [{"round": a.round, "verdicts": [v.__dict__ for v in a.verdicts]}
                                for a in cand.attempts]}
        child.log_text(json.dumps(verdict, indent=2, default=str), "verdict.json")
        self._end_child(cand.trial, None, None, None)

    def _end_child(self, trial: int, exc_type: Any, exc: Any, tb: Any) -> None:
        cm = self._children.pop(trial, None)
        self._child_runs.pop(trial, None)
        if cm is not None:
            cm.__exit__(exc_type, exc, tb)

    def log_media(self, cand: Candidate) -> None:
        """A top-down PNG and an expert-rollout GIF of an admitted task (rendered in the sandbox)."""
        child = self._child_runs.get(cand.trial)
        if child is None or not getattr(child, "active", False) or not self.cfg.media or not cand.code:
            return
        from gensim.config import get_settings
        from gensim.sandbox import Limits, run_in_sandbox
        from gensim.sandbox.returned import unpack_files, write_file

        res = run_in_sandbox("gensim.generation.jobs:render_job",
                             {"code": cand.code, "name": cand.name, "seed": 0, "gif": True},
                             Limits(wall_s=180, cpu_s=200), warm=get_settings().sandbox_warm)
        try:
            files = unpack_files(res.result.get("files") if res.ok and isinstance(res.result, dict) else {},
                                 [f"{cand.name}.png", f"{cand.name}.gif"])
        except ValueError as err:
            files = {}
            child.set_tags({"gensim.media_error": str(err)[:250]})
        if not res.ok:
            child.set_tags({"gensim.media_error": (res.error or "")[:250]})
        with tempfile.TemporaryDirectory(prefix="gensim-media-") as out:
            for name, data in sorted(files.items()):
                child.log_artifact(write_file(Path(out) / name, data), "media")

    # The campaign ----------------------------------------------------------------------------
    def close_campaign(self, result: Any, cands: list[Candidate], ledger: Any,
                       diversity_curve: list[float] | None = None) -> None:
        from gensim.generation.report import funnel_figure

        if self.run is None or not getattr(self.run, "active", False):
            return
        n = max(1, result.candidates)
        metrics: dict[str, float] = {"candidates": result.candidates, "admitted": len(result.admitted),
                                     "tokens": result.tokens, "cost_usd": result.cost_usd,
                                     "seconds": result.seconds}
        for s in STAGES:
            metrics[f"count.{s}"] = result.counts.get(s, 0)
            metrics[f"pass_rate.{s}"] = result.counts.get(s, 0) / n
        waits = [x for c in cands for x in c.reply_to_verdict_s]
        if waits:
            import statistics

            metrics["reply_to_verdict_s.median"] = statistics.median(waits)
        metrics.update(result.diversity)
        self.run.log_metrics(metrics)
        for step, value in enumerate(diversity_curve or []):
            self.run.log_metrics({"diversity.library_curve": value}, step=step)
        self.run.log_dict(result.to_json(), "summary.json")
        self.run.log_dict(ledger.summary(), "llm_usage.json")
        from gensim.generation.progress import summary_rows

        table = "\n".join(f"{s:<8} {c:>3} {r:>5}" for s, c, r in summary_rows(result))
        self.run.log_text(f"stage    passed  rate\n{table}\n\nadmitted: {', '.join(result.admitted)}\n",
                          "summary.txt")
        import matplotlib.pyplot as plt

        fig = funnel_figure(result.counts, result.candidates, f"{self.cfg.mode} {self.cfg.target or ''}")
        self.run.log_figure(fig, "pass_rate_by_stage.png")
        plt.close(fig)
        if diversity_curve and len(diversity_curve) > 1:
            from gensim.generation.report import diversity_figure

            fig = diversity_figure(diversity_curve, f"library diversity over campaign {self.campaign_id}")
            self.run.log_figure(fig, "diversity_over_campaign.png")
            plt.close(fig)
