"""The stages of the gate, in order; a verdict names the first that failed (or `DONE`).

| stage       | decided by                   | fails when |
|-------------|------------------------------|------------|
| static      | the parent (AST, no code run) | syntax, no Task subclass or reset, missing asset, unknown colour |
| load        | the sandboxed child          | the module does not import or the class does not instantiate |
| reset       | the sandboxed child          | a seed's scene does not build |
| runtime     | the sandboxed child + sandbox | the expert's episode raised, or the sandbox refused something |
| determinism | the replayer                 | the first seed, recorded twice, differs |
| goals       | the replayer                 | a goal is vacuous (no objects, zone larger than the workspace, share <= 0, target off the workspace) |
| replay      | the replayer                 | the recorded scene cannot be rebuilt, or a goal is reached before any action |
| success     | the replayer                 | replayed expert success rate below the threshold |
| bounds      | the replayer                 | objects outside the workspace after reset, or fallen off the table |
| budget      | the replayer                 | a successful replay needed more actions than the task's `max_steps` |
Every stage after `runtime` is computed by gensim's own code in a process that never loaded
the task's code (`gensim.checking.replay`).
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """One stage of the gate (the value is the name in verdicts and in the DB)."""

    STATIC = "static"
    LOAD = "load"
    RESET = "reset"
    RUNTIME = "runtime"
    DETERMINISM = "determinism"
    GOALS = "goals"
    REPLAY = "replay"
    SUCCESS = "success"
    BOUNDS = "bounds"
    BUDGET = "budget"
    DONE = "done"  # not a stage: the verdict of a task that passed every stage



STAGES: tuple[Stage, ...] = tuple(s for s in Stage if s is not Stage.DONE)
REPLAYER_STAGES = frozenset({Stage.DETERMINISM, Stage.GOALS, Stage.REPLAY, Stage.SUCCESS, Stage.BOUNDS,
                             Stage.BUDGET})

# How a check ended, besides a stage: the sandboxed process ran out of time, died without a
# record, or its job raised (e.g. `SystemExit` from task code).
SANDBOX_OUTCOMES = ("timeout", "died", "error")
OUTCOMES = ("pass", *(s.value for s in STAGES), *SANDBOX_OUTCOMES)


def stage_named(name: str) -> Stage:
    """The stage called `name`; a `ValueError` naming the known stages otherwise."""
    try:
        return Stage(name)
    except ValueError:
        known = ", ".join(s.value for s in Stage)
        raise ValueError(f"unknown check stage {name!r} (known: {known})") from None
