"""The task library browser in headless Debian Chromium (Playwright), as the MLflow UI test.

A fresh home gets the built-in tasks and a top-down campaign of generated tasks (stored through
the repository); the pictures of the tasks the pages show are rendered in the sandbox first.
Chromium checks that the gallery shows pictures, that search finds "stack blocks", that a task
page shows its animation, code, verdicts and lineage graph, and that a campaign page shows its
curriculum. Screenshots go to `$GENSIM_TEST_ARTIFACTS/web` (or a temporary folder, printed);
the README's are copies of them (docs/images/web-*.png).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui_flow import load_flow
from tests.web.conftest import Library, make_library

flow = load_flow()
CHROMIUM = flow.find_chromium()

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install -y chromium)"),
    pytest.mark.timeout(900),
]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = os.environ.get("GENSIM_TEST_ARTIFACTS")
    folder = Path(root) / "web" if root else tmp_path_factory.mktemp("web-shots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Library]]:
    """(URL, library): the browser over a fresh home whose shown tasks have their pictures."""
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    from gensim.config import get_settings
    from gensim.db import repository as repo
    from gensim.db.session import dispose_engines
    from gensim.web import media
    from gensim.web.app import State
    from gensim.web.server import start_browser

    patch = pytest.MonkeyPatch()
    patch.setenv("GENSIM_HOME", str(tmp_path_factory.mktemp("web-home") / "home"))
    patch.setenv("GENSIM_LLM_PROVIDER", "offline")
    get_settings.cache_clear()
    made = make_library(hostile="")
    shown = ["stack-block-pyramid", made.stepping, made.target, "stack-block-pyramid-seq-full",
             "stack-block-pyramid-seq-unseen-colors", "stack-block-pyramid-seq-seen-colors"]
    for name in shown:  # the search screenshot's first row
        v = repo.get_task_version(name, status="admitted")
        assert media.render_version(name, v.code, v.code_hash).animation, name
    running = start_browser(state=State())
    try:
        yield running.url, made
    finally:
        running.stop()
        dispose_engines()
        patch.undo()
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def context(site: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with flow.browser(CHROMIUM, tmp_path_factory.mktemp("chromium-profile")) as ctx:
        yield ctx


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    tab = context.new_page()
    yield tab
    tab.close()


def _loaded_images(page: Any, selector: str) -> int:
    return int(page.eval_on_selector_all(selector, "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length"))


def test_gallery_shows_pictures_and_search_finds_stacking(page: Any, site: Any, shots: Path) -> None:
    url, made = site
    page.goto(f"{url}/?sort=name")
    page.locator(f".card[data-task='{made.target}'] img").wait_for()
    page.wait_for_load_state("networkidle")
    assert _loaded_images(page, ".card img") >= 2
    page.screenshot(path=str(shots / "web-gallery.png"))
    page.fill("header input[name=q]", "stack blocks")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/?q=stack+blocks")
    names = page.eval_on_selector_all(".card", "cards => cards.map(c => c.dataset.task)")
    assert names and any("stack" in n for n in names[:3]), names
    page.screenshot(path=str(shots / "web-search.png"))


def test_task_page_shows_animation_code_verdicts_and_lineage(page: Any, site: Any, shots: Path) -> None:
    url, made = site
    page.goto(f"{url}/task/{made.target}")
    page.locator("figure.rollout img").wait_for()
    page.wait_for_load_state("networkidle")
    assert _loaded_images(page, "figure.rollout img") == 1
    assert page.locator("figure.rollout img").get_attribute("src").endswith("rollout.gif")
    assert "Build a tower of blocks." in page.locator("figure.rollout figcaption").inner_text()
    assert "class" in page.locator("pre.code").first.inner_text()
    verdicts = page.locator("table.verdicts").inner_text()
    assert "rejected" in verdicts and "runtime" in verdicts and "admitted" in verdicts
    assert page.locator("svg.lineage rect").count() >= 3
    assert made.stepping in page.locator("svg.lineage").text_content()
    page.screenshot(path=str(shots / "web-task.png"), full_page=True)


def test_campaign_page_shows_curriculum(page: Any, site: Any, shots: Path) -> None:
    url, made = site
    page.goto(f"{url}/campaign/{made.campaign_id}")
    steps = page.locator(".curriculum figure")
    steps.first.wait_for()
    page.wait_for_load_state("networkidle")
    assert [steps.nth(k).inner_text().strip() for k in range(steps.count())] == [made.stepping, made.target]
    assert _loaded_images(page, ".curriculum img") == 2
    page.screenshot(path=str(shots / "web-campaign.png"), full_page=True)
    page.goto(f"{url}/library")
    assert page.locator("svg.map circle").count() >= 40
    page.screenshot(path=str(shots / "web-library.png"), full_page=True)
