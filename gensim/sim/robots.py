"""The robots a task can be executed with, by name, without importing the simulator: the
command line checks `--robot` before any heavy import (`gensim.sim.arm` has the arms)."""

from __future__ import annotations

from gensim.errors import UsageError

ROBOTS = ("none", "panda")  # accepted values of `robot=` / `--robot`; "none" is the floating tool


def check_robot(robot: str) -> str:
    """`robot` if known, else a `UsageError` naming the known values."""
    if robot not in ROBOTS:
        raise UsageError(f"unknown robot '{robot}'; expected one of: {', '.join(ROBOTS)}")
    return robot
