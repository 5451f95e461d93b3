"""`CheckVerdict`: the gate's one answer, a typed record that crosses process boundaries as JSON.

The replayer (`gensim.checking.replay`) writes it with `to_json`; the parent reads it back with
`from_json`, which checks every field's type and refuses anything malformed with one line
(`DecodeError`). Success, rewards and steps are the replay's; `task_rewards` are what the
task's own `reward()` said in the sandboxed child, and `disagreements` lists the seeds where
the two differ.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from gensim.checking import decode as d
from gensim.checking.stages import OUTCOMES, SANDBOX_OUTCOMES, Stage, stage_named


@dataclass
class CheckVerdict:
    """Whether a task works, and why not (see the module docstring)."""

    name: str
    version: int
    seeds: list[int]
    successes: list[bool] = field(default_factory=list)  # per seed, in `seeds` order (replay)
    success_rate: float = 0.0
    passed: bool = False
    stage: str = Stage.DONE.value  # the first stage that failed, or "done"
    outcome: str = "pass"  # "pass", the failing stage, or timeout / died / error
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # each names what to fix
    disagreements: list[str] = field(default_factory=list)  # task's own reward vs the replay
    seconds: float = 0.0
    steps: list[int] = field(default_factory=list)  # expert actions per seed (replay)
    rewards: list[float] = field(default_factory=list)  # total reward per seed (replay)
    task_rewards: list[float] = field(default_factory=list)  # the task's own totals (child)
    violations: list[str] = field(default_factory=list)  # what the sandbox refused
    isolation: dict[str, str] = field(default_factory=dict)  # how the child was isolated
    robot: str = "none"  # the end effector the replay executed the actions with (`gensim.sim.arm`)

    def fail(self, stage: Stage, *errors: str) -> CheckVerdict:
        """Record `errors` and fail the verdict at `stage` (an earlier failed stage stays)."""
        self.errors.extend(errors)
        if _order(stage.value) < _order(self.stage):
            self.stage = stage.value
        self.passed = False
        return self

    def finish(self) -> CheckVerdict:
        """Passed when no stage failed; the outcome follows (a sandbox outcome stays)."""
        self.passed = self.stage == Stage.DONE.value
        if self.outcome not in SANDBOX_OUTCOMES:
            self.outcome = "pass" if self.passed else self.stage
        return self

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return asdict(self)

    @classmethod
    def from_json(cls, doc: Any) -> CheckVerdict:
        """Read a verdict back, checking every field; `DecodeError` (one line) if malformed."""
        what = "verdict"
        doc = d.obj(d.bounded(doc, what), what)
        unknown = sorted(set(doc) - set(cls.__dataclass_fields__))
        if unknown:
            raise d.DecodeError(f"{what}: unknown keys {unknown[:5]}")
        strs = d.list_of(d.as_str, 10_000)
        stage = d.field(doc, "stage", d.as_str, what)
        outcome = d.opt(doc, "outcome", d.as_str, what, stage)
        try:
            stage_named(stage)
        except ValueError as err:
            raise d.DecodeError(f"{what}.stage: {err}") from None
        if outcome not in OUTCOMES:
            raise d.DecodeError(f"{what}.outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
        empty: dict[str, Any] = {}
        isolation = d.opt(doc, "isolation", d.obj, what, empty)
        verdict = cls(
            name=d.field(doc, "name", d.as_str, what),
            version=d.field(doc, "version", d.as_int, what),
            seeds=d.field(doc, "seeds", d.list_of(d.as_int, 10_000), what),
            successes=d.opt(doc, "successes", d.list_of(d.as_bool, 10_000), what, []),
            success_rate=d.opt(doc, "success_rate", d.as_float, what, 0.0),
            passed=d.field(doc, "passed", d.as_bool, what),
            stage=stage, outcome=outcome,
            warnings=d.opt(doc, "warnings", strs, what, []),
            errors=d.opt(doc, "errors", strs, what, []),
            disagreements=d.opt(doc, "disagreements", strs, what, []),
            seconds=d.opt(doc, "seconds", d.as_float, what, 0.0),
            steps=d.opt(doc, "steps", d.list_of(d.as_int, 10_000), what, []),
            rewards=d.opt(doc, "rewards", d.list_of(d.as_float, 10_000), what, []),
            task_rewards=d.opt(doc, "task_rewards", d.list_of(d.as_float, 10_000), what, []),
            violations=d.opt(doc, "violations", strs, what, []),
            isolation={str(k): d.as_str(v, f"{what}.isolation.{k}") for k, v in isolation.items()},
            robot=d.opt(doc, "robot", d.as_str, what, "none"),
        )
        from gensim.sim.arm import ROBOTS

        if verdict.robot not in ROBOTS:
            raise d.DecodeError(f"{what}.robot: {verdict.robot[:40]!r} is not one of {', '.join(ROBOTS)}")
        if verdict.passed != (verdict.stage == Stage.DONE.value):
            raise d.DecodeError(f"{what}: passed={verdict.passed} contradicts stage {verdict.stage!r}")
        if verdict.successes and len(verdict.successes) != len(verdict.seeds):
            raise d.DecodeError(f"{what}: {len(verdict.successes)} successes for {len(verdict.seeds)} seeds")
        return verdict


def _order(stage: str) -> int:
    names = [s.value for s in Stage]
    return names.index(stage) if stage in names else len(names)
