"""Figures of training and evaluation runs: smoothing, the two-panel training curve, the
success-per-task bars, and the PNG files they become."""

from __future__ import annotations

from pathlib import Path

import pytest

from gensim.training import plots


def test_smooth_is_a_trailing_mean() -> None:
    assert plots.smooth([1.0, 3.0, 5.0, 7.0], window=2) == [1.0, 2.0, 4.0, 6.0]
    assert plots.smooth([2.0, 4.0], window=10) == [2.0, 3.0]
    assert plots.smooth([]) == []
    noisy = [10.0 if i % 2 else 0.0 for i in range(200)]  # default window: a tenth, up to 50
    assert all(abs(v - 5.0) < 0.3 for v in plots.smooth(noisy)[40:])


def test_training_curve_draws_loss_and_validation_per_task(tmp_path: Path) -> None:
    losses = [(step, 10.0 / step) for step in range(1, 101)]
    history = [(50, {"a": 0.2, "b": 0.4}, 0.3), (100, {"a": 0.6, "b": 1.0}, 0.8)]
    figure = plots.training_curve(losses, history, title="training on a, b")
    top, bottom = figure.axes
    assert top.get_title() == "training on a, b"
    raw, smoothed = top.get_lines()
    assert list(raw.get_ydata()) == [v for _, v in losses]
    assert smoothed.get_ydata()[-1] > raw.get_ydata()[-1]  # a trailing mean of a falling curve
    lines = {line.get_label(): line for line in bottom.get_lines()}
    assert set(lines) == {"a", "b", "mean"}
    assert list(lines["b"].get_xdata()) == [50, 100]
    assert list(lines["b"].get_ydata()) == [40.0, 100.0]
    assert list(lines["mean"].get_ydata()) == [30.0, 80.0]
    path = plots.save(figure, tmp_path / "plots" / "curve.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_training_curve_without_validation_or_steps_still_draws(tmp_path: Path) -> None:
    figure = plots.training_curve([], [], title="empty")
    texts = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert texts == ["no training steps", "no validation"]
    one_task = plots.training_curve([(1, 2.0)], [(1, {"a": 0.5}, 0.5)])
    assert [line.get_label() for line in one_task.axes[1].get_lines()] == ["a"]  # no mean of one
    assert plots.save(one_task, tmp_path / "one.png").is_file()


def test_success_per_task_bars() -> None:
    results = {"block-insertion": {"success_rate": 0.9}, "place-red-in-green": {"success_rate": 0.25}}
    figure = plots.success_per_task(results, "m:1: test success per task")
    axes = figure.axes[0]
    assert [p.get_height() for p in axes.patches] == pytest.approx([90.0, 25.0])
    assert [t.get_text() for t in axes.get_xticklabels()] == list(results)
    assert {t.get_text() for t in axes.texts} == {"90", "25"}
