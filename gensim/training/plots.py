"""Figures of training and evaluation runs (matplotlib, Agg backend), logged as MLflow artifacts.

- `training_curve`: training loss over steps (raw and smoothed) above validation success per
  task over steps; drawn at the end of every `gensim train` run.
- `success_per_task`: a bar per task of an evaluation's test success.

matplotlib is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ValPoint = tuple[int, Mapping[str, float], float]  # (step, {task: success}, mean success)


def smooth(values: Sequence[float], window: int | None = None) -> list[float]:
    """Trailing moving average; `window` defaults to a tenth of the series (1 to 50 points)."""
    n = len(values)
    if window is None:
        window = min(50, max(1, n // 10))
    window = max(1, window)
    out: list[float] = []
    total = 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display: figures are only written to files
    import matplotlib.pyplot as plt

    return plt


def training_curve(losses: Sequence[tuple[int, float]], validation: Sequence[ValPoint],
                   title: str = "training") -> Any:
    """A figure of two panels: loss over steps (raw, faint; smoothed) and validation success
    per task over steps (with the mean over tasks dashed). Empty series leave a note instead."""
    plt = _pyplot()
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(7.0, 5.6), sharex=True,
                                         gridspec_kw={"height_ratios": [3, 2]})
    if losses:
        steps = [s for s, _ in losses]
        values = [v for _, v in losses]
        top.plot(steps, values, color="#4878a8", alpha=0.25, linewidth=0.8, label="loss")
        top.plot(steps, smooth(values), color="#4878a8", linewidth=1.8, label="loss (smoothed)")
        top.legend(loc="upper right", fontsize=8)
    else:
        top.text(0.5, 0.5, "no training steps", ha="center", va="center", transform=top.transAxes)
    top.set_ylabel("training loss")
    top.set_title(title, fontsize=10)
    top.grid(alpha=0.3)
    if validation:
        steps = [s for s, _, _ in validation]
        tasks = sorted({task for _, rates, _ in validation for task in rates})
        for task in tasks:
            points = [(s, 100 * r[task]) for s, r, _ in validation if task in r]
            bottom.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                        markersize=4, linewidth=1.2, label=task)
        if len(tasks) > 1:
            bottom.plot(steps, [100 * m for _, _, m in validation], color="black", linestyle="--",
                        linewidth=1.2, label="mean")
        if tasks:
            bottom.legend(loc="lower right", fontsize=7, ncol=1 + len(tasks) // 6)
    else:
        bottom.text(0.5, 0.5, "no validation", ha="center", va="center", transform=bottom.transAxes)
    bottom.set_ylim(-3, 103)
    bottom.set_ylabel("val success (%)")
    bottom.set_xlabel("step")
    bottom.grid(alpha=0.3)
    figure.tight_layout()
    plt.close(figure)
    return figure


def success_per_task(results: Mapping[str, Mapping[str, Any]], title: str) -> Any:
    """A bar per task of `results[task]["success_rate"]` (in %), labelled with the value."""
    plt = _pyplot()
    names = list(results)
    figure, axes = plt.subplots(figsize=(max(4.0, 0.9 * len(names) + 2.0), 3.4))
    rates = [100 * float(results[n]["success_rate"]) for n in names]
    bars = axes.bar(range(len(names)), rates, color="#4878a8")
    axes.bar_label(bars, labels=[f"{r:.0f}" for r in rates], fontsize=7, padding=2)
    axes.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    axes.set_ylim(0, 110)
    axes.set_ylabel("success (%)")
    axes.set_title(title, fontsize=9)
    figure.tight_layout()
    plt.close(figure)
    return figure


def save(figure: Any, path: Path, dpi: int = 120) -> Path:
    """Write `figure` as a PNG at `path` (its folder is created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi)
    return path
