"""Pictures of a campaign: the pass rate by stage (the funnel), as a matplotlib figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gensim.generation.candidate import STAGES


def funnel_figure(counts: dict[str, int], candidates: int, title: str) -> Any:
    """A bar chart of how many candidates passed each stage."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, candidates)
    rates = [counts.get(s, 0) / n for s in STAGES]
    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=100)
    bars = ax.bar(STAGES, rates, color="#4c72b0")
    for bar, stage in zip(bars, STAGES, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.02, str(counts.get(stage, 0)),
                ha="center", fontsize=8)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel(f"pass rate (of {candidates})")
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def save_funnel(counts: dict[str, int], candidates: int, title: str, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig = funnel_figure(counts, candidates, title)
    fig.savefig(path)
    plt.close(fig)
    return path


def diversity_figure(curve: list[float], title: str) -> Any:
    """The library's embedding diversity after each admitted task of a campaign."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    ax.plot(range(len(curve)), curve, marker="o", color="#55a868")
    ax.set_xlabel("tasks admitted in this campaign")
    ax.set_ylabel("mean pairwise cosine distance")
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
