"""The conventions that checking, generation, import, training and evaluation share, named once.

Seeds: the convention splits episodes by seed parity (Ravens): train seeds are even (0, 2, 4, ...),
validation seeds odd (1, 3, 5, ...), and evaluation uses odd seeds far from both (10001, ...).
A task is checked on the first `len(CHECK_SEEDS)` train seeds.
Thresholds: an episode succeeds when its total reward exceeds `SUCCESS_REWARD`; a task passes
when its expert succeeds on at least `SUCCESS_RATE` of the checked seeds.
Workspace: the table top the objects and goal targets must lie on (x, y in metres).
This module imports nothing heavy: the CLI, the DB layer and the sandboxed jobs all read it.
"""

from __future__ import annotations

CHECK_SEEDS: tuple[int, ...] = (0, 2, 4, 6)  # the train seeds a task is checked on
SUCCESS_RATE = 0.75  # fraction of checked seeds on which the expert must succeed
SUCCESS_REWARD = 0.99  # an episode succeeds when its total reward exceeds this
EVAL_SEED_START = 10001  # first evaluation seed (odd, far from train and validation seeds)

# The table's workspace [[x_min, x_max], [y_min, y_max], [z_min, z_max]] in metres (z = 0 is the
# table top); equal to gensim.sim.constants.BOUNDS, which the simulator side reads.
WORKSPACE: tuple[tuple[float, float], tuple[float, float], tuple[float, float]] = (
    (0.25, 0.75),
    (-0.5, 0.5),
    (0.0, 0.3),
)
BOUNDS_MARGIN = 0.01  # m of tolerance around the workspace for object centres after reset
TABLE_MARGIN = 0.05  # m: an object centre farther than this outside the workspace fell off
FELL_BELOW = -0.02  # m: an object centre this far under the table top fell through it
TARGET_MARGIN = 0.05  # m: how far outside the workspace a goal target or zone centre may lie
MAX_POS_EPS = 0.05  # m: the largest position tolerance of the convention (bowls); larger is capped
MAX_ZONE_HEIGHT = 0.5  # m: cap of a zone goal's height limit (zone_bounds z max)
SHARE_TOLERANCE = 0.01  # goal shares summing to within this of 1 are not rescaled
POSE_ATOL = 1e-6  # m / quaternion units: same-seed poses and actions must agree this closely
REWARD_ATOL = 0.01  # a task's own total and the replay's total disagree beyond this


def train_seeds(n: int) -> list[int]:
    """The first `n` train seeds (even from 0)."""
    return [2 * i for i in range(n)]


def val_seeds(n: int) -> list[int]:
    """The first `n` validation seeds (odd from 1)."""
    return [1 + 2 * i for i in range(n)]


def eval_seeds(n: int) -> list[int]:
    """The first `n` evaluation seeds (odd from `EVAL_SEED_START`)."""
    return [EVAL_SEED_START + 2 * i for i in range(n)]


def step_budget(max_steps: int) -> int:
    """Actions an expert may take while checked: its `max_steps` and some room, so that "too
    slow" (the budget stage) can be told from "fails"."""
    return int(max_steps) + max(3, int(max_steps) // 2)
