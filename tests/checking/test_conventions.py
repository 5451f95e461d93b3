"""Conventions are named once: no module repeats the literals of `gensim.checking.conventions`."""

from __future__ import annotations

import re
from pathlib import Path

from gensim.checking import conventions as c
from gensim.sim.constants import BOUNDS

PACKAGE = Path(__file__).resolve().parents[2] / "gensim"
LITERALS = {
    "check seeds": re.compile(r"\(0, 2, 4, 6\)"),
    "train seed formula": re.compile(r"\b2 \* i for i in range"),
    "success rate": re.compile(r"(threshold|rate)[^\n]*\b0\.75\b"),
    "success cutoff": re.compile(r"(?<![\d.])0\.99(?![\d])"),
    "workspace": re.compile(r"\(0\.25, 0\.75\),?\s*\(-0\.5, 0\.5\)"),
}
ALLOWED = {"checking/conventions.py", "policies/config.py"}  # policies keep a copy, checked equal below


def test_each_convention_is_written_once() -> None:
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = str(path.relative_to(PACKAGE))
        if rel in ALLOWED:
            continue
        text = path.read_text()
        found += [f"{rel}: {name}" for name, pattern in LITERALS.items() if pattern.search(text)]
    assert found == []


def test_seed_formulas_and_copies_agree() -> None:
    from gensim.policies.config import WORKSPACE_BOUNDS

    assert c.train_seeds(4) == list(c.CHECK_SEEDS) and c.val_seeds(2) == [1, 3] and c.eval_seeds(2) == [10001, 10003]
    assert BOUNDS == c.WORKSPACE == WORKSPACE_BOUNDS
    assert c.step_budget(10) == 15 and c.step_budget(2) == 5
