"""Plausible mistakes the offline composer makes on purpose, so the whole pipeline is exercised.

Models get task code wrong in recurring ways; each fault here imitates one and is caught by a
different stage of the pipeline: a made-up asset path and an unknown colour (static checks), a
syntax slip (static), an undefined variable (runtime), goal shares that do not sum to one (the
expert cannot reach full reward: success), and a reply that is only prose (parse).
"""

from __future__ import annotations

import numpy as np

FAULTS: dict[str, str] = {
    "asset": "static",
    "colour": "static",
    "syntax": "static",
    "name": "runtime",
    "shares": "success",
    "prose": "parse",
}


def choose(rng: np.random.Generator, round_: int) -> str | None:
    """A fault for this attempt, or None. First drafts go wrong more often than repairs."""
    p = 0.45 if round_ == 0 else 0.15
    if rng.random() >= p:
        return None
    weights = np.array([3, 2, 1, 2, 2, 1], dtype=float)
    return str(rng.choice(list(FAULTS), p=weights / weights.sum()))


def inject(code: str, fault: str) -> str:
    """`code` with `fault` written into it (the code is returned unchanged if it has no spot)."""
    if fault == "asset":
        for real, wrong in (
            ("'block/block.urdf'", "'block/blocks.urdf'"),
            ("'stacking/block.urdf'", "'stacking/cube.urdf'"),
            ("'cylinder/cylinder-template.urdf'", "'cylinder/cylinder.urdf'"),
            ("'box/box-template.urdf'", "'box/box.urdf'"),
            ("'ball/ball-template.urdf'", "'ball/ball-small.urdf'"),
        ):
            if real in code:
                return code.replace(real, wrong, 1)
        return code
    if fault == "colour":
        for real in ("'red'", "'green'", "'blue'", "'yellow'", "'brown'", "'pink'", "'purple'",
                     "'orange'", "'cyan'", "'gray'"):
            if real in code:
                return code.replace(real, "'teal'", 1)
        return code
    if fault == "syntax":
        return code.replace("def reset(self, env):", "def reset(self, env)", 1)
    if fault == "name":
        return code.replace("for obj, (_, _, color, offset,", "for obj, (_, _, color, ofset,", 1).replace(
            "n = len(objs[color])", "n = len(obj[color])", 1
        )
    if fault == "shares":
        return code.replace("step_max_reward=1 / len(parts)", "step_max_reward=1 / (len(parts) + 1)", 1).replace(
            "step_max_reward=n / n_objects", "step_max_reward=n / (n_objects + 1)", 1
        )
    return code
