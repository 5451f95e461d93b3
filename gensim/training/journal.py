"""`MetricJournal`: every metric point a training logs, appended to `metrics.jsonl` next to its
checkpoint, so that a resumed training's run holds the whole curve.

A resumed training starts a new MLflow run at the checkpoint's step: Lightning re-logs the
training losses from there on, and the validations after it, but the points logged before it
(and those Lightning logs only after the checkpoint is saved: the loss of the checkpoint's own
last batch, the validation of the checkpoint's step) belong to the stopped run. The journal
keeps them; at the end of the resumed training, `missing` gives the points of earlier attempts
that this one did not log itself, which the caller logs into its run and draws in its curve.
"""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path
from typing import Any

from lightning.pytorch.loggers.logger import Logger
from lightning.pytorch.utilities import rank_zero_only

JOURNAL = "metrics.jsonl"


def read_journal(folder: Path) -> dict[tuple[str, int], float]:
    """The points of `folder`'s journal, the last value of each (key, step); torn lines skipped."""
    points: dict[tuple[str, int], float] = {}
    try:
        lines = (folder / JOURNAL).read_text().splitlines()
    except OSError:
        return points
    for line in lines:
        try:
            doc = json.loads(line)
            points[(str(doc["k"]), int(doc["s"]))] = float(doc["v"])
        except (ValueError, KeyError, TypeError):
            continue  # a line torn by a kill
    return points


class MetricJournal(Logger):
    """A Lightning logger that appends each metric point to `folder/metrics.jsonl` and keeps
    which (key, step) this process logged."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.path = folder / JOURNAL
        self.logged: set[tuple[str, int]] = set()
        self.earlier = read_journal(folder)  # what earlier attempts of this training logged

    @property
    def name(self) -> str:
        return "journal"

    @property
    def version(self) -> str:
        return "0"

    @rank_zero_only
    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        return None

    @rank_zero_only
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        at = int(step or 0)
        lines = [json.dumps({"k": k, "v": float(v), "s": at}) for k, v in metrics.items() if k != "epoch"]
        if not lines:
            return
        with open(self.path, "a") as journal:
            journal.write("\n".join(lines) + "\n")
        self.logged.update((k, at) for k in metrics if k != "epoch")

    def missing(self) -> dict[int, dict[str, float]]:
        """Earlier attempts' points this process did not log, by step."""
        by_step: dict[int, dict[str, float]] = {}
        for (key, step), value in sorted(self.earlier.items(), key=lambda item: item[0][1]):
            if (key, step) not in self.logged:
                by_step.setdefault(step, {})[key] = value
        return by_step
