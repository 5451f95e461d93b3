"""The gate's stages of one attempt: the verdict of the one checker, as stage verdicts.

Generation and import call the one checker (`gensim.checking.gate.check_code`: static checks,
the sandboxed recording, the trusted replay); its stages are the campaign's stages from
`static` to `budget`, under the same names (`gensim.checking.stages.Stage`). The verdict itself
is returned too.
"""

from __future__ import annotations

from dataclasses import dataclass

from gensim.checking.conventions import CHECK_SEEDS, SUCCESS_RATE
from gensim.checking.stages import STAGES, Stage
from gensim.checking.verdict import CheckVerdict
from gensim.generation.candidate import StageVerdict


@dataclass(frozen=True)
class CheckSettings:
    """How candidates are checked in the simulator."""

    seeds: tuple[int, ...] = CHECK_SEEDS  # distinct episode seeds (train seeds are even)
    threshold: float = SUCCESS_RATE  # minimum expert success rate
    timeout_s: float = 240.0  # wall-clock limit of each sandboxed job of one check (s)
    memory_mb: int = 4096  # address-space limit of the check processes (MiB)


def validate(code: str, name: str, settings: CheckSettings) -> tuple[list[StageVerdict], CheckVerdict]:
    """Run the gate on `code`; the pipeline's stage verdicts (up to the first failure) and the verdict."""
    from gensim.checking.gate import check_code
    from gensim.sandbox import Limits

    limits = Limits(wall_s=settings.timeout_s, cpu_s=int(settings.timeout_s) + 30, memory_mb=settings.memory_mb)
    verdict = check_code(code, name, seeds=settings.seeds, threshold=settings.threshold, limits=limits)
    return stage_verdicts(verdict), verdict


def stage_verdicts(verdict: CheckVerdict) -> list[StageVerdict]:
    """One stage verdict per gate stage, passed up to the failing one (which ends the list).

    The stage's time is known only for the whole check: it goes on the last verdict, and the
    verdict's details (seeds, successes, warnings, rewards, disagreements) with it."""
    failing = None if verdict.passed else Stage(verdict.stage)
    details = {"seeds": verdict.seeds, "successes": verdict.successes, "success_rate": verdict.success_rate,
               "warnings": verdict.warnings, "stage": verdict.stage, "rewards": verdict.rewards,
               "disagreements": verdict.disagreements}
    out: list[StageVerdict] = []
    for stage in STAGES:
        if stage is failing:
            message = "; ".join(verdict.errors) or f"failed at {verdict.stage}"
            out.append(StageVerdict(stage.value, False, verdict.seconds, message, details))
            break
        last = stage is STAGES[-1]
        out.append(StageVerdict(stage.value, True, verdict.seconds if last else 0.0, None, details if last else {}))
    return out
