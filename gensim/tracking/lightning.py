"""`RunLogger`: a Lightning logger that writes into a gensim `TrackedRun`.

Lightning's own MLflow logger opens its own client and run; this one forwards metrics and
hyperparameters to the run that the training flow already holds (and becomes a no-op with it
when the tracking store is unreachable). Imports Lightning, so import this module only where
training happens.
"""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from lightning.pytorch.loggers.logger import Logger, rank_zero_experiment
from lightning.pytorch.utilities import rank_zero_only

from gensim.tracking.run import TrackedRun


class RunLogger(Logger):
    """Metrics and hyperparameters of a Lightning `Trainer` into one `TrackedRun`."""

    def __init__(self, run: TrackedRun, prefix: str = "", *, hyperparams: bool = True) -> None:
        super().__init__()
        self.run = run
        self.prefix = prefix
        self.hyperparams = hyperparams  # False: the caller logs the config (no config.* copies)

    @property
    def name(self) -> str:
        return self.run.experiment

    @property
    def version(self) -> str:
        return self.run.run_id or "offline"

    @property
    @rank_zero_experiment
    def experiment(self) -> TrackedRun:
        return self.run

    @rank_zero_only
    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        if not self.hyperparams:
            return
        values = vars(params) if isinstance(params, Namespace) else dict(params)
        self.run.log_params({f"{self.prefix}{k}": v for k, v in values.items()})

    @rank_zero_only
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        values = {f"{self.prefix}{k}": float(v) for k, v in metrics.items() if k != "epoch"}
        if values:
            self.run.log_metrics(values, step=step)
