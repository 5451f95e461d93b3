"""Checking untrusted task code in the sandbox: the parent-side API.

`check_code(code, name, ...)` runs `gensim.sandbox.check_job:check_job` in a sandboxed child
and always returns the checker's JSON verdict (the keys of `CheckVerdict.to_json()`) plus:
- `outcome`: one word for what happened (`OUTCOMES`): the checker's failing stage, "pass",
  "timeout" (wall clock), "died" (signal or exit without a verdict), "error" (the job raised,
  e.g. `SystemExit` from task code);
- `violations`: what the sandbox refused (any makes the task fail), `isolation`: which
  network isolation, user and guard were in force; `rewards` are the checker's own totals.
`gensim tasks check --file` and the generation pipeline use this path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gensim.sandbox.runner import Limits, SandboxResult, run_in_sandbox

CHECK_JOB = "gensim.sandbox.check_job:check_job"
OUTCOMES = ("pass", "load", "reset", "determinism", "success", "bounds", "budget", "integrity",
            "timeout", "died", "error")


def _base(name: str, seeds: list[int]) -> dict[str, Any]:
    return {"name": name, "version": 1, "seeds": seeds, "successes": [], "success_rate": 0.0,
            "passed": False, "stage": "load", "warnings": [], "errors": [], "seconds": 0.0}


def verdict_of(res: SandboxResult, name: str, seeds: list[int]) -> dict[str, Any]:
    """The JSON verdict of a sandboxed check job's result (see the module docstring)."""
    if res.ok and isinstance(res.result, dict) and "stage" in res.result:
        doc = dict(res.result)
        outcome = "pass" if doc.get("passed") else str(doc.get("stage"))
    else:
        doc = _base(name, seeds)
        doc["stage"] = "runtime" if res.timed_out else "load"
        detail = res.error or "the check returned no verdict"
        outcome = "timeout" if res.timed_out else "died" if "died" in detail else "error"
        if outcome == "died" and res.stderr_tail.strip():
            detail += f" | stderr: {res.stderr_tail.strip().splitlines()[-1][:200]}"
        doc["errors"] = [f"sandbox: {detail}", *(f"sandbox: {v}" for v in res.violations[:20])]
    doc["outcome"] = outcome if outcome in OUTCOMES else "error"
    doc["violations"] = list(res.violations)
    doc["isolation"] = dict(res.isolation)
    doc["sandbox_seconds"] = round(res.seconds, 3)
    doc["seconds"] = round(float(doc.get("seconds") or res.seconds), 3)
    return doc


def check_code(code: str, name: str, seeds: list[int] | tuple[int, ...] = (0, 2, 4, 6),
               threshold: float = 0.75, limits: Limits | None = None) -> dict[str, Any]:
    """Check task code in the sandbox; returns the verdict (see the module docstring)."""
    seed_list = [int(s) for s in seeds]
    payload = {"code": code, "name": name, "seeds": seed_list, "threshold": float(threshold)}
    return verdict_of(run_in_sandbox(CHECK_JOB, payload, limits), name, seed_list)


def check_file(path: Path, seeds: list[int], threshold: float = 0.75,
               limits: Limits | None = None) -> dict[str, Any]:
    """Check a task file in the sandbox (read here: the child never sees the path).

    A file that is not UTF-8 text gets a `load` verdict; a missing file is a `UsageError`."""
    from gensim.errors import UsageError

    if not path.is_file():
        raise UsageError(f"task file not found: {path}")
    name = path.stem.replace("_", "-")
    try:
        code = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        doc = _base(name, [int(s) for s in seeds])
        doc.update(errors=[f"load: {path.name} is not UTF-8 text (byte {err.start})"], outcome="load",
                   violations=[], isolation={})
        return doc
    return check_code(code, name, seeds, threshold, limits)
