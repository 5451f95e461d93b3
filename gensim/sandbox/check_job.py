"""The sandboxed check of task code, with a verdict that task code cannot fake.

`check_job(payload)` runs inside the sandbox child (`gensim.sandbox.check_job:check_job`). It
runs the public checker (`check_task`) in an environment whose `reset` and `step` also feed the
shadow reward (`gensim.sandbox.shadow`), and it watches the modules and classes that decide a
verdict for replaced attributes. The verdict it returns is the checker's, with:
- `rewards`: the shadow totals per seed (what the parent recomputes success from),
- `task_rewards`: the totals the task's own `reward()` produced,
- `successes` / `success_rate`: both totals must exceed 0.99,
- stage `integrity` and an error for every disagreement or replaced attribute (whatever stage
  the checker reached: a task that tampers with the verdict is judged for that first),
- stage `bounds` for goal targets off the table's workspace (the stock checker only looks at
  where objects are).
This module is imported in the child before any task code: its imports are the preloading.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Mapping
from typing import Any

import numpy  # noqa: F401 - preloaded before task code
import pybullet  # noqa: F401

from gensim.sandbox.shadow import SUCCESS, ShadowEpisode, snapshot
from gensim.sim.environment import Environment
from gensim.tasks import (  # noqa: F401
    checker,
    context,
    episode,
    goals,
    loader,
    oracle,
    registry,
    rewards,
    task,
    utils,
)

WATCHED_MODULES = (
    "numpy", "numpy.linalg", "numpy.random", "math", "random", "json", "os", "os.path", "pybullet",
    "gensim.tasks.checker", "gensim.tasks.episode", "gensim.tasks.rewards", "gensim.tasks.goals",
    "gensim.tasks.task", "gensim.tasks.oracle", "gensim.tasks.loader", "gensim.tasks.utils",
    "gensim.tasks.context", "gensim.sim.environment", "gensim.sim.primitives",
    "gensim.sandbox.shadow", "gensim.sandbox.check_job", "gensim.sandbox.guard",
)
IGNORED_KEYS = frozenset({"__warningregistry__", "__loader__", "__spec__"})


def _watched_classes() -> list[type]:
    return [task.Task, Environment, checker.CheckVerdict, episode.EpisodeResult, goals.Goal,
            oracle.Oracle, ShadowEpisode]


class Watch:
    """A snapshot of module and class attributes; `changes()` names those replaced since."""

    def __init__(self) -> None:
        self._items: list[tuple[str, Mapping[str, Any], dict[str, Any]]] = []
        for name in WATCHED_MODULES:
            module = sys.modules.get(name)
            if module is not None:
                self._items.append((name, vars(module), dict(vars(module))))
        for cls in _watched_classes():
            self._items.append((f"{cls.__module__}.{cls.__qualname__}", cls.__dict__, dict(cls.__dict__)))

    def changes(self) -> list[str]:
        found = []
        for name, live, saved in self._items:
            for key, value in saved.items():
                if key in IGNORED_KEYS:
                    continue
                if key not in live:
                    found.append(f"{name}.{key} was deleted")
                elif live[key] is not value:
                    found.append(f"{name}.{key} was replaced")
        return found


MOTION = ("resetBasePositionAndOrientation", "resetBaseVelocity", "resetJointState", "createConstraint",
          "changeConstraint", "removeConstraint", "applyExternalForce", "applyExternalTorque", "removeBody",
          "setGravity", "stepSimulation", "resetSimulation", "disconnect", "setTimeStep",
          "setPhysicsEngineParameter", "changeDynamics")


def guard_physics(resetting: list[bool]) -> None:
    """After reset, task code may not move objects or change the physics (teleporting a block
    onto its target would fake success); the environment and grippers still may."""
    from gensim.sandbox import guard

    for name in MOTION:
        real = getattr(pybullet, name, None)
        if real is None or getattr(real, "__wrapped_by_sandbox__", False):
            continue

        def guarded(*args: Any, __real: Any = real, __name: str = name, **kwargs: Any) -> Any:
            if not resetting[0] and guard.task_code_calling(2):
                guard.refuse(f"task code may not call pybullet.{__name} after reset")
            return __real(*args, **kwargs)

        guarded.__wrapped_by_sandbox__ = True  # type: ignore[attr-defined]
        setattr(pybullet, name, guarded)


def _guarded_environment(episodes: list[ShadowEpisode], resetting: list[bool]) -> type[Environment]:
    class GuardedEnvironment(Environment):
        """An environment that starts a shadow episode at reset and measures it after actions."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._client_at_start = self.client

        def reset(self) -> dict[str, Any]:
            resetting[0] = True
            try:
                obs = super().reset()
            finally:
                resetting[0] = False
            t = self.task
            try:
                episodes.append(ShadowEpisode(snapshot(t.goals), t.pos_eps, t.rot_eps,
                                              float(t.zone_bounds[2][1]), self._client_at_start))
            except Exception as err:
                raise RuntimeError(f"the task's goals cannot be evaluated by the checker: {err}") from err
            return obs

        def step(self, action: dict[str, Any] | None = None) -> Any:
            out = super().step(action)
            if action is not None and episodes:
                episodes[-1].update()
            return out

    return GuardedEnvironment


def _name(raw: Any) -> str:
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", str(raw or "task")).strip("-")
    return (text or "task")[:80]


def check_job(payload: dict[str, Any]) -> dict[str, Any]:
    """Check task code (`code`, `name`, `seeds`, `threshold`); see the module docstring."""
    name = _name(payload.get("name"))
    seeds = [int(s) for s in payload.get("seeds") or checker.TRAIN_SEEDS]
    threshold = float(payload.get("threshold", 0.75))
    episodes: list[ShadowEpisode] = []
    resetting = [False]
    guard_physics(resetting)
    env_cls = _guarded_environment(episodes, resetting)
    envs: list[Environment] = []

    def make_env() -> Environment:
        env = env_cls(render_obs=False)
        envs.append(env)
        return env

    watch = Watch()
    try:
        verdict = checker.check_task(str(payload["code"]), seeds=seeds, threshold=threshold, name=name,
                                     env_factory=make_env)
    finally:
        for env in envs:
            try:
                env.close()
            except Exception:  # noqa: BLE001 - task code may have broken the client already
                pass
    doc = dataclasses.asdict(verdict)
    outside = sorted({xy for e in episodes for xy in e.outside})
    return merge_shadow(doc, [e.total for e in episodes], watch.changes(), threshold, outside)


def merge_shadow(doc: dict[str, Any], shadow: list[float], replaced: list[str],
                 threshold: float, outside: list[tuple[float, float]] | None = None) -> dict[str, Any]:
    """The checker's verdict with the shadow totals and integrity findings folded in."""
    seeds = list(doc.get("seeds") or [])
    task_rewards = [float(r) for r in doc.get("rewards") or []]
    totals = [round(float(shadow[i]), 4) if i < len(shadow) else 0.0 for i in range(len(task_rewards))]
    problems = [f"integrity: {what}" for what in replaced]
    for seed, mine, theirs in zip(seeds, totals, task_rewards, strict=False):
        if theirs > SUCCESS and mine <= SUCCESS:
            problems.append(f"integrity: seed {seed}: the task's reward says {theirs:.2f}, the checker's "
                            f"own evaluation of its goals says {mine:.2f}")
    successes = [bool(a > SUCCESS and b > SUCCESS) for a, b in zip(totals, task_rewards, strict=False)]
    doc["task_rewards"], doc["rewards"], doc["successes"] = task_rewards, totals, successes
    doc["success_rate"] = round(sum(successes) / max(len(seeds), 1), 4)
    if doc.get("passed") and doc["success_rate"] < threshold:
        problems.append(f"integrity: the checker passed the task, but its recomputed success rate "
                        f"{doc['success_rate']:.2f} is below {threshold:.2f}")
    if problems:
        doc["errors"] = list(doc.get("errors") or []) + problems
        doc["stage"], doc["passed"] = "integrity", False
    elif outside:
        doc["errors"] = [*list(doc.get("errors") or []),
                         f"bounds: goal targets off the table's workspace at {outside[:5]}"]
        if doc.get("passed") or doc.get("stage") in ("success", "budget"):
            doc["stage"] = "bounds"
        doc["passed"] = False
    return doc
