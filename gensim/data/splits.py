"""Splits and the checks of a demos request, without numpy or the simulator: the command line
answers a mistaken request before any heavy import (`gensim.data.format` re-exports these)."""

from __future__ import annotations

from gensim.errors import UsageError

SPLITS = ("train", "val", "test")


def split_seeds(split: str) -> tuple[int, int]:
    """(first seed, stride) of a split: train 0, 2, 4...; val 1, 3, 5...; test 10001, 10003..."""
    if split == "train":
        return 0, 2
    if split == "val":
        return 1, 2
    if split == "test":
        return 10001, 2
    raise UsageError(f"unknown split '{split}'; expected one of {', '.join(SPLITS)}")


def check_request(n: int, split: str, workers: int, executor: str, robot: str = "none") -> None:
    """UsageError for a request `make_demos` would refuse: cheap, called before any progress."""
    from gensim.data.executors import EXECUTORS
    from gensim.sim.robots import check_robot

    check_robot(robot)
    if n < 1:
        raise UsageError("-n must be at least 1")
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    split_seeds(split)
    if executor not in EXECUTORS:
        raise UsageError(f"unknown executor '{executor}'; expected one of {', '.join(EXECUTORS)}")
