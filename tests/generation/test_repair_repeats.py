"""A repair that returns code already checked ends the candidate: no second check, no second
version of the same code."""

from __future__ import annotations

from typing import Any

from gensim.generation.campaign import process_candidate
from gensim.generation.candidate import Candidate
from gensim.generation.validate import CheckSettings

# Fails the gate's static stage (an asset that does not exist), which is repairable.
BROKEN = '''
from gensim.tasks.base import Task


class RepeatMe(Task):
    def __init__(self):
        super().__init__()
        self.lang_template = "put the block somewhere"

    def reset(self, env):
        super().reset(env)
        env.add_object("no/such/asset.urdf", self.get_random_pose(env, (0.04, 0.04, 0.04)))
'''


class SameCodeAuthor:
    """An author whose every repair answers with the code it was given (a model that gives up)."""

    def __init__(self) -> None:
        self.repairs = 0

    def write(self, trial: int, proposal: dict[str, Any], examples: Any, log: Any, prompts: Any) -> str:
        return BROKEN

    def repair(self, trial: int, round_: int, proposal: dict[str, Any], code: str | None, error: Any,
               history: Any, log: Any, prompts: Any) -> str:
        self.repairs += 1
        return code or BROKEN


def test_a_repeated_repair_is_not_checked_or_stored_twice() -> None:
    author = SameCodeAuthor()
    cand = Candidate(trial=0, proposal={"name": "repeat-me", "description": "d"}, role="task")
    process_candidate(cand, author, CheckSettings(seeds=(0,)), repair_rounds=3, examples=[])  # type: ignore[arg-type]
    assert author.repairs == 1  # asked once, answered with the same code: no further rounds
    assert [a.code for a in cand.attempts] == [BROKEN]
    assert cand.final is not None and cand.final.failed is not None
    assert cand.final.failed.stage == "static"
    assert len(cand.reply_to_verdict_s) == 1  # checked once
