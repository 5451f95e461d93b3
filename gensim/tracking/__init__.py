"""Experiment tracking with MLflow: the only gensim package that imports mlflow (lazily).

`get_tracker()` gives the `Tracker` of the settings' store; `Tracker.run(...)` is a context
manager yielding a `TrackedRun` to log params, metrics, artifacts, datasets and models into.
Experiment names of the product: `GENERATE`, `DEMOS`, `TRAIN`, `EVAL`.
"""

from gensim.tracking.run import TrackedRun
from gensim.tracking.tracker import (
    DEMOS,
    EVAL,
    EXPERIMENTS,
    GENERATE,
    TRAIN,
    Tracker,
    get_tracker,
    run_link,
)

__all__ = [
    "DEMOS",
    "EVAL",
    "EXPERIMENTS",
    "GENERATE",
    "TRAIN",
    "TrackedRun",
    "Tracker",
    "get_tracker",
    "run_link",
]
