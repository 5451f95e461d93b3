"""Gymnasium interface: every built-in task as `gymnasium.make("gensim/<name>-v0")`.

Importing this module registers the ids (`register_all()`; specs only, no PyBullet, no task
code). Generated tasks from the DB are registered only with `register_all(include_generated=True)`:
their code then runs in the calling process, unlike demo workers, which sandbox it.

Spaces:
- observation: `Dict(color=Box(0, 255, (320, 160, 3), uint8), height=Box(0, 1, (320, 160),
  float32))`, the top-down colour and height (m above the table, clipped to [0, 1]);
- action: `Dict(pose0=Box(7), pose1=Box(7))`, pick and place poses as xyz (within the
  workspace bounds) + quaternion xyzw (normalised before use; a zero quaternion means identity).

`reset(seed=s)` plays the task's episode of seed `s` (the same scene as `gensim demos` with that
seed; without a seed one is drawn from the env's generator). `info` carries `lang_goal`, `seed`,
`steps`, `total_reward` and `success`. An episode terminates when the task is done and is
truncated at the task's `max_steps`. `expert_action()` returns the scripted expert's next action.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from gensim.checking.conventions import SUCCESS_REWARD
from gensim.sim.constants import BOUNDS, IMAGE_SHAPE

NAMESPACE = "gensim"
MAX_HEIGHT = 1.0  # m: upper bound of the height observation


def env_id(name: str) -> str:
    """The Gymnasium id of a task: `gensim/<name>-v0`."""
    return f"{NAMESPACE}/{name}-v0"


def _pose_space() -> spaces.Box:
    low = np.array([BOUNDS[0][0], BOUNDS[1][0], BOUNDS[2][0], -1, -1, -1, -1], dtype=np.float32)
    high = np.array([BOUNDS[0][1], BOUNDS[1][1], BOUNDS[2][1], 1, 1, 1, 1], dtype=np.float32)
    return spaces.Box(low, high, dtype=np.float32)


def _pose(value: Any) -> tuple[tuple[float, ...], tuple[float, ...]]:
    if isinstance(value, tuple | list) and len(value) == 2:  # (xyz, quat) as the expert gives
        value = [*value[0], *value[1]]
    arr = np.asarray(value, dtype=np.float64).reshape(7)
    quat = arr[3:]
    norm = float(np.linalg.norm(quat))
    quat = quat / norm if norm > 1e-9 else np.array([0.0, 0.0, 0.0, 1.0])
    return tuple(float(v) for v in arr[:3]), tuple(float(v) for v in quat)


class GensimEnv(gym.Env):
    """One registered task in the PyBullet tabletop simulator (headless).

    `robot`: "none" (floating end effector) or "panda" (an arm carries the tool; see
    `gensim.sim.arm`); the top-down observation hides the arm either way."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 2}

    def __init__(self, task: str, render_mode: str | None = None, robot: str = "none") -> None:
        from gensim.sim.arm import check_robot
        from gensim.tasks.registry import get_spec

        self.robot = check_robot(robot)
        self.spec_task = get_spec(task)
        self.render_mode = render_mode
        self.observation_space = spaces.Dict({
            "color": spaces.Box(0, 255, (*IMAGE_SHAPE, 3), dtype=np.uint8),
            "height": spaces.Box(0.0, MAX_HEIGHT, IMAGE_SHAPE, dtype=np.float32),
        })
        self.action_space = spaces.Dict({"pose0": _pose_space(), "pose1": _pose_space()})
        self._env: Any = None
        self._task: Any = None
        self._obs: dict[str, np.ndarray] = {}
        self._info: Any = None
        self._warnings: list[str] = []
        self._steps = 0
        self._total = 0.0
        self._seed = 0

    def _context(self) -> Any:
        from gensim.tasks.context import episode_context

        return episode_context(self._env.client, self._warnings)

    def _observation(self, obs: dict[str, Any]) -> dict[str, np.ndarray]:
        return {"color": np.asarray(obs["color"], dtype=np.uint8),
                "height": np.clip(np.asarray(obs["height"], dtype=np.float32), 0.0, MAX_HEIGHT)}

    def _info_dict(self) -> dict[str, Any]:
        return {"lang_goal": str((self._info or {}).get("lang_goal", "")), "seed": self._seed,
                "steps": self._steps, "total_reward": self._total,
                "success": self._total > SUCCESS_REWARD}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        from gensim.tasks.registry import make_task

        if self._env is None:
            from gensim.sim.environment import Environment

            self._env = Environment(robot=self.robot)
        if self._task is None:
            self._task = make_task(self.spec_task)
            self._task.mode = str((options or {}).get("split", "train"))
        self._seed = int(seed) if seed is not None else int(self.np_random.integers(0, 2**31 - 1))
        self._task.seed(self._seed)
        self._env.set_task(self._task)
        self._warnings = []
        with self._context():
            obs = self._env.reset()
            self._info = self._env.info
        self._steps, self._total = 0, 0.0
        self._obs = self._observation(obs)
        return self._obs, self._info_dict()

    def step(self, action: dict[str, Any]) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        if self._env is None:
            raise RuntimeError("call reset() before step()")
        act = {"pose0": _pose(action["pose0"]), "pose1": _pose(action["pose1"])}
        with self._context():
            obs, reward, done, self._info = self._env.step(act)
        self._steps += 1
        self._total += float(reward)
        self._obs = self._observation(obs)
        truncated = not done and self._steps >= int(self._task.max_steps)
        return self._obs, float(reward), bool(done), bool(truncated), self._info_dict()

    def expert_action(self) -> dict[str, np.ndarray] | None:
        """The scripted expert's action for the current state (None when it gives up)."""
        with self._context():
            action = self._task.oracle(self._env).act(self._obs, self._info)
        if action is None:
            return None
        return {key: np.asarray([*action[key][0], *action[key][1]], dtype=np.float32)
                for key in ("pose0", "pose1")}

    def render(self) -> np.ndarray | None:
        return self._obs.get("color") if self.render_mode == "rgb_array" else None

    def close(self) -> None:
        if self._env is not None:
            self._env.close()
            self._env = None


def register_all(include_generated: bool = False) -> list[str]:
    """Register `gensim/<name>-v0` for every built-in task (and admitted generated ones when
    asked); returns the ids. Idempotent; imports no task code."""
    from gensim.tasks.registry import all_specs, builtin_specs

    specs = all_specs() if include_generated else builtin_specs()
    ids = []
    for spec in specs:
        gym_id = env_id(spec.name)
        if gym_id not in gym.registry:
            gym.register(id=gym_id, entry_point="gensim.data.gym_env:GensimEnv",
                         kwargs={"task": spec.name}, disable_env_checker=True)
        ids.append(gym_id)
    return ids


register_all()
