"""Stages `static` to `success` of one attempt: the gate's verdict, as the pipeline's stages.

Generation and import call the one checker (`gensim.checking.gate.check_code`: static checks,
the sandboxed recording, the trusted replay) and map its stages onto the pipeline's coarser
ones (`STAGE_OF`): static, load, runtime (reset, runtime, determinism) and success (goals,
replay, success, bounds, budget). The verdict itself is returned too.
"""

from __future__ import annotations

from dataclasses import dataclass

from gensim.checking.conventions import CHECK_SEEDS, SUCCESS_RATE
from gensim.checking.stages import Stage
from gensim.checking.verdict import CheckVerdict
from gensim.generation.candidate import StageVerdict

PIPELINE_STAGES = ("static", "load", "runtime", "success")
STAGE_OF: dict[Stage, str] = {
    Stage.STATIC: "static", Stage.LOAD: "load", Stage.RESET: "runtime", Stage.RUNTIME: "runtime",
    Stage.DETERMINISM: "runtime", Stage.GOALS: "success", Stage.REPLAY: "success",
    Stage.SUCCESS: "success", Stage.BOUNDS: "success", Stage.BUDGET: "success", Stage.DONE: "success",
}


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
    """The pipeline's stage verdicts of a gate verdict: passed up to the failing one."""
    failing = None if verdict.passed else STAGE_OF[Stage(verdict.stage)]
    details = {"seeds": verdict.seeds, "successes": verdict.successes, "success_rate": verdict.success_rate,
               "warnings": verdict.warnings, "stage": verdict.stage, "rewards": verdict.rewards,
               "disagreements": verdict.disagreements}
    out: list[StageVerdict] = []
    for stage in PIPELINE_STAGES:
        last = stage == "success"
        if stage == failing:
            message = "; ".join(verdict.errors) or f"failed at {verdict.stage}"
            out.append(StageVerdict(stage, False, verdict.seconds, message, details))
            break
        out.append(StageVerdict(stage, True, verdict.seconds if last else 0.0, None, details if last else {}))
    return out
