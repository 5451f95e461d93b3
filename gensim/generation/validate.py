"""Stages `static` to `success` of one attempt: AST checks here, the rest in the sandbox.

The simulator check runs in a separate, limited process; its verdict is taken apart into the
`load`, `runtime` and `success` stages. Whether the expert succeeded is recomputed here from the
per-seed rewards the checker recorded, not taken from anything the task code says.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from gensim.generation.candidate import StageVerdict
from gensim.generation.static_checks import check_code
from gensim.sandbox import Limits, run_in_sandbox

CHECK_JOB = "gensim.sandbox.check_job:check_job"  # the checker with the shadow reward (integrity)
SUCCESS_REWARD = 0.99

# The checker's stage names -> the pipeline's stages.
STAGE_OF = {
    "load": "load", "import": "load", "instantiate": "load",
    "reset": "runtime", "runtime": "runtime", "determinism": "runtime", "episode": "runtime",
    "success": "success", "bounds": "success", "budget": "success", "steps": "success",
    "done": "success", "passed": "success", "integrity": "success",
}


@dataclass(frozen=True)
class CheckSettings:
    """How candidates are checked in the simulator."""

    seeds: tuple[int, ...] = (0, 2, 4, 6)  # distinct episode seeds (train seeds are even)
    threshold: float = 0.75  # minimum expert success rate
    timeout_s: float = 240.0  # wall-clock limit of one sandboxed check (s)
    memory_mb: int = 4096  # address-space limit of the check process (MiB)


def validate(code: str, name: str, settings: CheckSettings) -> tuple[list[StageVerdict], dict[str, Any]]:
    """Run the static and simulator stages; stops at the first failure."""
    verdicts: list[StageVerdict] = []
    start = time.perf_counter()
    static = check_code(code)
    verdicts.append(StageVerdict("static", static.passed, time.perf_counter() - start,
                                 "; ".join(static.errors) or None, {"assets": static.assets}))
    if not static.passed:
        return verdicts, {}
    limits = Limits(wall_s=settings.timeout_s, cpu_s=int(settings.timeout_s) + 30, memory_mb=settings.memory_mb)
    payload = {"code": code, "name": name, "seeds": list(settings.seeds), "threshold": settings.threshold}
    res = run_in_sandbox(CHECK_JOB, payload, limits)
    if not res.ok or not isinstance(res.result, dict):
        # The process died or the checker itself raised: the code could not even be loaded/run.
        stage = "runtime" if res.timed_out else "load"
        error = res.error or "no verdict"
        verdicts.append(StageVerdict(stage, False, res.seconds, error,
                                     {"stderr": res.stderr_tail[-2000:], "signal": res.signal}))
        return verdicts, {}
    return verdicts + stage_verdicts(res.result, settings, res.seconds), res.result


def stage_verdicts(verdict: dict[str, Any], settings: CheckSettings, seconds: float) -> list[StageVerdict]:
    """The load / runtime / success verdicts of a checker verdict."""
    reached = STAGE_OF.get(str(verdict.get("stage", "")), "runtime")
    errors = "; ".join(str(e) for e in verdict.get("errors") or []) or None
    rewards = _rewards(verdict)
    n = len(rewards) or len(verdict.get("seeds") or []) or 1
    successes = sum(r > SUCCESS_REWARD for r in rewards) if rewards else _count(verdict.get("successes"))
    passed_all = bool(verdict.get("passed")) and successes / n >= settings.threshold
    failing = None if passed_all else ("success" if verdict.get("passed") else reached)
    out: list[StageVerdict] = []
    for stage in ("load", "runtime", "success"):
        if stage == failing:
            msg = errors or _success_message(verdict, successes, n, settings)
            out.append(StageVerdict(stage, False, seconds, msg, _details(verdict)))
            break
        last = stage == "success"
        out.append(StageVerdict(stage, True, seconds if last else 0.0, None, _details(verdict) if last else {}))
    return out


def _count(successes: Any) -> int:
    """Seeds solved: the checker sends one bool per seed (a list); older verdicts sent a count."""
    if isinstance(successes, list):
        return sum(1 for ok in successes if ok is True)
    if isinstance(successes, int) and not isinstance(successes, bool):
        return max(successes, 0)
    return 0


def _rewards(verdict: dict[str, Any]) -> list[float]:
    for key in ("rewards", "total_rewards", "episode_rewards"):
        value = verdict.get(key)
        if isinstance(value, list) and all(isinstance(v, int | float) for v in value):
            return [float(v) for v in value]
    episodes = verdict.get("episodes")
    if isinstance(episodes, list) and episodes and isinstance(episodes[0], dict):
        return [float(e.get("total_reward", e.get("reward", 0.0))) for e in episodes]
    return []


def _success_message(verdict: dict[str, Any], successes: int, n: int, settings: CheckSettings) -> str:
    rewards = _rewards(verdict)
    per_seed = ", ".join(f"seed {s}: {r:.2f}" for s, r in zip(verdict.get("seeds") or [], rewards, strict=False))
    return (f"the scripted expert succeeded on {successes} of {n} seeds (needs {settings.threshold:.0%}); "
            f"total reward per seed: {per_seed or 'n/a'}")


def _details(verdict: dict[str, Any]) -> dict[str, Any]:
    keep = ("seeds", "successes", "success_rate", "warnings", "stage", "seconds", "rewards", "last_action")
    return {k: verdict[k] for k in keep if k in verdict}
