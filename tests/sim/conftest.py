"""Fixtures for the simulator tests: a 4 cm block URDF in tmp_path, environments with a tiny task."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sim_fixtures import DummyTask, write_box


@pytest.fixture
def block_urdf(tmp_path: Path) -> str:
    """Absolute path of a 4 cm block URDF."""
    return str(write_box(tmp_path, "block"))


@pytest.fixture
def make_env() -> Iterator[Callable[..., Any]]:
    """A factory of environments with a DummyTask already reset; all closed at teardown."""
    from gensim.sim.environment import Environment

    made: list[Any] = []

    def make(objects: list[tuple[str, Any, dict[str, Any]]], **kwargs: Any) -> Any:
        task_kwargs = {k: kwargs.pop(k) for k in ("ee", "primitive") if k in kwargs}
        kwargs.setdefault("render_obs", False)
        env = Environment(**kwargs)
        made.append(env)
        env.set_task(DummyTask(objects, **task_kwargs))
        env.obs = env.reset()
        return env

    yield make
    for env in made:
        env.close()
