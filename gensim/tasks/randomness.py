"""The episode's random source, shared with task code written in the convention.

Task files of the convention draw from the global `numpy.random` state (and from `random` for
colour samples), and the reference environment's helpers (`get_random_pose`, `get_random_size`,
`make_piles`, ...) draw from the same state between the task's own draws. To give the same
scene for the same seed as the reference, our helpers must consume that one stream in the
reference's order: `EpisodeRandom` is a view of the global `numpy.random` state with the
`numpy.random.Generator` method names our own code uses. `Task.seed(seed)` seeds the state
(`numpy.random.seed(seed)`, `random.seed(seed)`), so an episode stays a function of its seed.

Legacy `RandomState` draws differ from `Generator` draws for the same call (integers, choice,
normal use other algorithms); built-in tasks that mirror a reference task call the methods
the reference calls (`rand`, `randint`, `choice`) so that the draws coincide.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class EpisodeRandom:
    """Generator-style names over the global `numpy.random` state (see the module docstring)."""

    def random(self, size: Any = None) -> Any:
        """Uniform floats in [0, 1) (`numpy.random.random_sample`)."""
        return np.random.random_sample(size)

    def rand(self, *shape: int) -> Any:
        """Uniform floats in [0, 1) of the given shape (`numpy.random.rand`)."""
        return np.random.rand(*shape)

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None) -> Any:
        """Uniform floats in [low, high)."""
        return np.random.uniform(low, high, size)

    def integers(self, low: Any, high: Any = None, size: Any = None, endpoint: bool = False) -> Any:
        """Integers in [low, high) ([low, high] with `endpoint`), drawn like `randint`."""
        if high is None:
            low, high = 0, low
        return np.random.randint(low, high + 1 if endpoint else high, size)

    def randint(self, low: Any, high: Any = None, size: Any = None) -> Any:
        """`numpy.random.randint`."""
        return np.random.randint(low, high, size)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None) -> Any:
        """`numpy.random.choice`."""
        return np.random.choice(a, size, replace, p)

    def permutation(self, x: Any) -> Any:
        """`numpy.random.permutation`."""
        return np.random.permutation(x)

    def shuffle(self, x: Any) -> None:
        """`numpy.random.shuffle` (in place)."""
        np.random.shuffle(x)

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None) -> Any:
        """`numpy.random.normal`."""
        return np.random.normal(loc, scale, size)


RandomSource = np.random.Generator | EpisodeRandom
"""What helpers that take an `rng` accept: a Generator of our own or the episode's source."""
