"""The MLflow UI in a real browser over real gensim runs.

A fresh home gets two small generation campaigns and one demos run made by the real CLI; `gensim
ui --port 0` serves it; Debian's headless Chromium, driven by Playwright, checks that the
experiments page lists the gensim experiments, that a campaign run shows its per-stage metrics
and its funnel chart, that an admitted candidate shows its top-down PNG, that the compare view
lines the two campaigns up metric by metric, and that `gensim ui` stops without leaving a
process. Screenshots go to `$GENSIM_TEST_ARTIFACTS/ui` (or a temporary folder, printed).
"""

from __future__ import annotations

import math
import os
import re
import socket
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gensim.generation.candidate import STAGES
from tests.ui_flow import load_flow

flow = load_flow()
CHROMIUM = flow.find_chromium()

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install -y chromium)"),
    pytest.mark.timeout(900),
]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    """Where the screenshots go; the path is printed at the end of the run."""
    root = os.environ.get("GENSIM_TEST_ARTIFACTS")
    folder = Path(root) / "ui" if root else tmp_path_factory.mktemp("ui-shots")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(f"\nbrowser test screenshots: {folder}")


@pytest.fixture(scope="module")
def home_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    return dict(flow.gensim_env(tmp_path_factory.mktemp("ui-home") / "home"))


@pytest.fixture(scope="module")
def made(home_env: dict[str, str], shots: Path) -> Iterator[tuple[Any, Any]]:
    """(runs, UI server): a fresh home with real runs made by the gensim CLI (toy sizes,
    offline composer) and `gensim ui` over it (started while the demos run)."""
    topdown, bottomup = flow.make_campaigns(home_env)
    ui = flow.UiServer(home_env, shots / "logs")
    try:
        runs = flow.Runs(topdown, bottomup, flow.make_demos(home_env))
        ui.ready()
        yield runs, ui
    finally:
        ui.stop()


@pytest.fixture(scope="module")
def server(made: tuple[Any, Any]) -> Any:
    return made[1]


@pytest.fixture(scope="module")
def context(server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with flow.browser(CHROMIUM, tmp_path_factory.mktemp("chromium-profile")) as ctx:
        yield ctx


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    tab = context.new_page()
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def generate_id(server: Any) -> str:
    return str(flow.experiment_id(server.url, "gensim/generate"))


def _metric_cell(page: Any, name: str) -> float:
    """The value next to metric `name` in a run page's metrics table."""
    row = page.get_by_role("row").filter(has=page.get_by_text(name, exact=True))
    texts = [t.strip() for t in row.first.inner_text().splitlines() if t.strip()]
    assert texts[0] == name, texts
    return float(texts[-1])


def test_experiments_page_lists_gensim_experiments(page: Any, server: Any, made: Any, shots: Path) -> None:
    runs, _ = made
    page.goto(f"{server.url}/#/experiments?workflowType=machine_learning")  # what `gensim ui` prints
    for name in ("gensim/generate", "gensim/demos"):
        page.get_by_role("link", name=name, exact=True).wait_for()
    page.screenshot(path=str(shots / "experiments.png"))
    # The experiments list links into the UI's remembered view (GenAI in a fresh browser): the
    # runs are reached by the link `gensim ui` prints per experiment.
    page.goto(f"{server.url}/#/experiments/{flow.experiment_id(server.url, 'gensim/generate')}/runs"
              "?workflowType=machine_learning")
    # Run names say what ran and what differs: mode, target, trials, then the campaign id.
    page.get_by_text(re.compile(r"^topdown-cot build-car \d+ trials (\S+ )?#\d+")).first.wait_for()
    page.get_by_text(re.compile(r"^bottomup \d+ trials (\S+ )?#\d+")).first.wait_for()
    page.screenshot(path=str(shots / "generate-runs.png"))
    assert runs.demos["mlflow_run_id"], runs.demos


def test_announced_links_land_in_the_runs_view(page: Any, server: Any, made: Any, shots: Path) -> None:
    """The link `gensim ui` prints for an experiment opens its runs table in MLflow 3's model
    training view, not the GenAI overview (traces) that the UI opens by default."""
    runs, _ = made
    demos_id = flow.experiment_id(server.url, "gensim/demos")
    page.goto(f"{server.url}/#/experiments/{demos_id}/runs?workflowType=machine_learning")
    page.get_by_text(re.compile(r"^demos block-insertion train v1 n=")).first.wait_for()
    page.get_by_text("Model training").first.wait_for()
    assert "Detect Issues" not in page.inner_text("body")
    page.screenshot(path=str(shots / "demos-runs.png"))
    assert runs.demos["mlflow_url"].endswith(f"/#/experiments/{demos_id}/runs/{runs.demos['mlflow_run_id']}"
                                             "?workflowType=machine_learning")


def test_campaign_run_shows_stage_metrics_and_funnel(page: Any, server: Any, made: Any,
                                                     generate_id: str, shots: Path) -> None:
    runs, _ = made
    doc = runs.topdown
    page.goto(flow.run_url(server.url, generate_id, doc["mlflow_run_id"]))
    page.get_by_text(re.compile(r"^topdown-cot build-car ")).first.wait_for()
    page.get_by_text("pass_rate.novelty", exact=True).wait_for(state="attached")
    page.screenshot(path=str(shots / "campaign-overview.png"))
    assert _metric_cell(page, "candidates") == doc["candidates"] == 3
    for stage in STAGES:
        count = doc["counts"].get(stage, 0)
        assert _metric_cell(page, f"count.{stage}") == count
        assert math.isclose(_metric_cell(page, f"pass_rate.{stage}"), count / doc["candidates"])
    page.goto(flow.run_url(server.url, generate_id, doc["mlflow_run_id"], "pass_rate_by_stage.png"))
    assert flow.shown_image_width(page) >= 200  # the chart, not a broken-image icon
    page.screenshot(path=str(shots / "campaign-funnel.png"))


def test_candidate_run_shows_task_png(page: Any, server: Any, made: Any, generate_id: str,
                                      shots: Path) -> None:
    runs, _ = made
    child, png = flow.admitted_child_with_png(server.url, generate_id, runs.topdown["mlflow_run_id"])
    assert Path(png).stem in runs.topdown["admitted"], (png, runs.topdown["admitted"])
    page.goto(flow.run_url(server.url, generate_id, child, png))
    page.get_by_text(Path(png).name, exact=True).first.wait_for()
    assert flow.shown_image_width(page) >= 100
    page.screenshot(path=str(shots / "candidate-png.png"))


def test_compare_view_lines_up_two_campaigns(page: Any, server: Any, made: Any, generate_id: str,
                                             shots: Path) -> None:
    runs, _ = made
    docs = [runs.topdown, runs.bottomup]
    page.goto(flow.compare_url(server.url, generate_id, [d["mlflow_run_id"] for d in docs]))
    page.get_by_text("Comparing 2 Runs").wait_for()
    page.get_by_text(re.compile(r"^topdown-cot build-car \d+ trials (\S+ )?#\d+")).first.wait_for()
    page.get_by_text(re.compile(r"^bottomup \d+ trials (\S+ )?#\d+")).first.wait_for()
    page.screenshot(path=str(shots / "compare.png"))
    names = ["candidates", "admitted", *(f"pass_rate.{s}" for s in STAGES)]
    rows = flow.compare_rows(page, names)
    assert sorted(rows) == sorted(names), f"rows not found in the compare view: {set(names) - set(rows)}"
    for name in names:
        want = [_expected(doc, name) for doc in docs]
        got = [float(cell) for cell in rows[name]]
        assert len(got) == 2, (name, got)
        assert all(math.isclose(g, w, abs_tol=1e-3) for g, w in zip(got, want, strict=True)), (name, got, want)
    page.screenshot(path=str(shots / "compare-metrics.png"))


def _expected(doc: dict[str, Any], metric: str) -> float:
    if metric == "candidates":
        return float(doc["candidates"])
    if metric == "admitted":
        return float(len(doc["admitted"]))
    return doc["counts"].get(metric.split(".", 1)[1], 0) / doc["candidates"]


def test_ui_stops_without_leftover_processes(server: Any) -> None:
    port = urllib.parse.urlparse(server.url).port
    server.stop()
    # Exit status 0 means it stopped by itself on Ctrl-C; had it ignored the signal, stop()
    # would have killed it after 60 s (status -9). No wall-clock bound: load must not matter.
    assert server.proc.returncode == 0
    deadline = time.monotonic() + 5
    while server.leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not server.leftovers(), "a process of the MLflow server's group is still alive"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
