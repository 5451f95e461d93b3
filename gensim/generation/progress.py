"""Progress and summary output of a campaign (rich, on stderr so stdout stays parseable)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from gensim.generation.candidate import STAGES, Candidate
from gensim.tracking import run_link


class CampaignProgress:
    """A progress bar over candidates (counts, rate, ETA, admitted) and one line per finished
    candidate."""

    def __init__(self, cfg: Any, enabled: bool = True) -> None:
        from gensim.progress import ProgressBar

        self.bar = ProgressBar(f"{cfg.mode} {cfg.target or ''}".strip(), cfg.trials, enabled, unit="candidates")
        self.admitted = 0
        self.done = 0

    def __enter__(self) -> CampaignProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.bar.__exit__(exc_type, exc, tb)

    def event(self, kind: str, cand: Candidate | int | None) -> None:
        if kind == "planned" and isinstance(cand, int):
            self.bar.update(total=cand)
        elif kind == "finished" and isinstance(cand, Candidate):
            self.done += 1
            self.admitted += cand.status == "admitted"
            mark = "[green]admitted[/]" if cand.status == "admitted" else f"[red]rejected at {cand.stage}[/]"
            rounds = max(0, len(cand.attempts) - 1)
            self.bar.print(
                f"  {cand.name}: {mark}" + (f" after {rounds} repair(s)" if rounds else "")
                + (f" - {str(cand.reason)[:140]}" if cand.reason else ""))
            self.bar.update(self.done, f"admitted {self.admitted}")


def summary_rows(result: Any) -> list[tuple[str, int, str]]:
    """(stage, passed, pass rate) rows of the funnel."""
    n = max(1, result.candidates)
    return [(s, result.counts.get(s, 0), f"{result.counts.get(s, 0) / n:.0%}") for s in STAGES]


def print_summary(result: Any, console: Any) -> None:
    """The final table: per-stage funnel, admitted and rejected tasks, spend."""
    from rich.table import Table

    table = Table(title=f"campaign {result.campaign_id}: {result.mode} {result.target or ''}".strip())
    table.add_column("stage")
    table.add_column("passed", justify="right")
    table.add_column("rate", justify="right")
    for row in summary_rows(result):
        table.add_row(*(str(x) for x in row))
    console.print(table)
    if result.reasoning:
        console.print(f"curriculum: {result.reasoning}", highlight=False)
    console.print(f"admitted ({len(result.admitted)}): {', '.join(result.admitted) or '-'}", highlight=False)
    for r in result.rejected:
        console.print(f"rejected {r['name']} at {r['stage']}: {str(r['reason'])[:160]}", highlight=False)
    console.print(
        f"provider {result.provider} ({result.model}); {result.tokens} tokens, ${result.cost_usd:.4f}; "
        f"{result.seconds:.1f} s", highlight=False)
    console.print(f"MLflow run {run_link(result.mlflow_url)}", highlight=False, soft_wrap=True)  # one line: a link
    if result.diversity:
        d = result.diversity
        console.print(
            f"diversity: library {d.get('diversity.library.embedding', 0):.3f} (embedding), "
            f"{d.get('diversity.library.assets', 0):.3f} (asset Jaccard); this campaign "
            f"{d.get('diversity.campaign.embedding', 0):.3f} / {d.get('diversity.campaign.assets', 0):.3f}",
            highlight=False)
    if result.stopped:
        console.print(f"[yellow]stopped early:[/] {result.stopped}")
