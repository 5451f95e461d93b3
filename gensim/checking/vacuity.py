"""The `goals` stage: goals that cannot be vacuous, judged from the recorded goal records.

A goal that moves nothing, a zone that covers the table, a zero or negative share or a target
off the table would let a task "succeed" without the expert doing the task. Each is an error
that says what to fix. Shares that do not sum to 1 are scaled to sum to 1, with a warning:
every goal must then be reached for the total to pass `SUCCESS_REWARD` (model-written tasks
often give three goals 1/3 each and then add a fourth). A position tolerance above the
convention's largest (`MAX_POS_EPS`) is capped, with a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gensim.checking.conventions import MAX_POS_EPS, SHARE_TOLERANCE, TARGET_MARGIN, WORKSPACE
from gensim.checking.record import SceneRecord

METRICS = ("pose", "zone")
MOVABLE = ("rigid", "deformable")


@dataclass
class GoalFindings:
    """Errors (the stage fails), warnings, and the shares and tolerance the replay uses."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    shares: list[float] = field(default_factory=list)
    pos_eps: float = 0.0


def _on_table(x: float, y: float) -> bool:
    (x0, x1), (y0, y1) = WORKSPACE[0], WORKSPACE[1]
    m = TARGET_MARGIN
    return x0 - m <= x <= x1 + m and y0 - m <= y <= y1 + m


def check_goals(scene: SceneRecord) -> GoalFindings:
    """Judge the goals of one recorded scene (see the module docstring)."""
    out = GoalFindings(pos_eps=min(scene.pos_eps, MAX_POS_EPS))
    (x0, x1), (y0, y1) = WORKSPACE[0], WORKSPACE[1]
    table = f"x {x0:g}..{x1:g} m, y {y0:g}..{y1:g} m"
    if scene.pos_eps > MAX_POS_EPS:
        out.warnings.append(f"goals: pos_eps {scene.pos_eps:g} m is above the convention's largest "
                            f"tolerance {MAX_POS_EPS:g} m: capped")
    if not scene.goals:
        out.errors.append("goals: the task adds no goal: call self.add_goal(...) in reset for what the "
                          "expert must achieve")
        return out
    movable = {i for cat in MOVABLE for i in scene.objects.get(cat, [])}
    for k, g in enumerate(scene.goals):
        where = f"goals: goal {k + 1}"
        if g.metric not in METRICS:
            out.errors.append(f"{where}: metric {g.metric!r} is not 'pose' or 'zone'")
        if not g.objs:
            out.errors.append(f"{where} has no objects: pass the ids of the objects that must move in objs=")
        for obj in g.objs:
            if obj not in movable:
                out.errors.append(f"{where}: object {obj} is not a movable object of the scene: pass ids "
                                  "that env.add_object returned for rigid objects")
                break
        if not math.isfinite(g.share) or g.share <= 0:
            out.errors.append(f"{where}: step_max_reward {g.share:g} must be positive (each goal's share "
                              "of the total reward; the shares sum to 1)")
        if g.metric == "pose" and not g.targets:
            out.errors.append(f"{where} has no target poses: pass where the objects must go in targ_poses=")
        if g.metric == "pose" and g.objs and g.targets and not any(any(row) for row in g.matches):
            out.errors.append(f"{where}: matches allows no object on any target: set matches[i][j] for "
                              "the targets object i may take")
        for j, (pos, _) in enumerate(g.targets):
            if not _on_table(pos[0], pos[1]):
                out.errors.append(f"{where}: target {j + 1} at ({pos[0]:.3f}, {pos[1]:.3f}) is off the "
                                  f"workspace ({table}): place targets on the table")
                break
        for (pos, _), size in g.zones:
            sx, sy = size[0], size[1] if len(size) > 1 else size[0]
            if sx > x1 - x0 or sy > y1 - y0:
                out.errors.append(f"{where}: its zone of {sx:.2f} x {sy:.2f} m is larger than the workspace "
                                  f"({x1 - x0:.2f} x {y1 - y0:.2f} m): give the zone's real size")
            if sx <= 0 or sy <= 0:
                out.errors.append(f"{where}: its zone size {sx:g} x {sy:g} m must be positive")
            if not _on_table(pos[0], pos[1]):
                out.errors.append(f"{where}: its zone centre ({pos[0]:.3f}, {pos[1]:.3f}) is off the "
                                  f"workspace ({table}): place the zone on the table")
        if g.metric == "zone" and not g.zones:
            out.errors.append(f"{where}: metric 'zone' needs params=[(zone_pose, zone_size)]")
    positive = [g.share if math.isfinite(g.share) and g.share > 0 else 0.0 for g in scene.goals]
    total = sum(positive)
    if total > 0 and abs(total - 1.0) > SHARE_TOLERANCE:
        out.warnings.append(f"goals: the {len(positive)} goals' step_max_reward shares sum to {total:.3f}, "
                            "not 1: scaled to sum to 1 (every goal must be reached)")
    out.shares = [s / total if total > 0 else 0.0 for s in positive]
    return out
