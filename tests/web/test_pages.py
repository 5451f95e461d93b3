"""The browser's pages over a real task DB, fetched over HTTP from the running server."""

from __future__ import annotations

import re
import urllib.parse
from html.parser import HTMLParser

from tests.web.conftest import HOSTILE, MLFLOW_URL, Library, fetch


def test_gallery_lists_builtin_and_generated_tasks(served: tuple[str, Library]) -> None:
    url, made = served
    status, body = fetch(url + "/")
    assert status == 200
    assert "stack-block-pyramid" in body and made.stepping in body and made.target in body
    assert "built-in" in body and f"generated (campaign {made.campaign_id}" in body
    status, body = fetch(url + "/?" + urllib.parse.urlencode({"status": "rejected", "stage": "static"}))
    assert made.rejected in body and made.target not in body
    _, body = fetch(url + "/?origin=builtin")
    assert made.stepping not in body and "stack-block-pyramid" in body


def test_search_uses_the_cli_ranking(served: tuple[str, Library]) -> None:
    from gensim.retrieval.adapters import search_tasks

    url, _ = served
    status, body = fetch(url + "/?q=" + urllib.parse.quote("stack blocks"))
    assert status == 200
    names = re.findall(r"data-task='([^']+)'", body)
    expected = [h.doc.name for h in search_tasks("stack blocks", 48)]
    assert names and names == [n for n in expected if n in names][: len(names)]
    assert names[0] == expected[0]


def test_task_page_shows_verdicts_lineage_code_and_diff(served: tuple[str, Library]) -> None:
    url, made = served
    status, body = fetch(f"{url}/task/{made.target}")
    assert status == 200
    assert "v2" in body and "rejected" in body and "runtime" in body  # both versions, their verdicts
    assert "class=lineage" in body and made.stepping in body and "repair" in body and "curriculum" in body
    assert "<pre class=code>" in body and "class=\"k\"" not in body  # inline-styled highlighting
    assert "Diff v1 → v2" in body and "class='add'" in body
    assert "Checker warnings" in body
    _, body = fetch(f"{url}/task/{made.stepping}")
    assert f"href='{MLFLOW_URL}/#/runs/r%3Cscript%3E" in body and "workflowType=machine_learning" in body
    status, _ = fetch(f"{url}/task/no-such-task")
    assert status == 404


def test_campaign_and_library_pages(served: tuple[str, Library]) -> None:
    url, made = served
    status, body = fetch(f"{url}/campaign/{made.campaign_id}")
    assert status == 200 and "class='path curriculum'" in body
    assert body.index(made.stepping) < body.index(made.target, body.index("Curriculum"))
    status, body = fetch(f"{url}/library")
    assert status == 200 and "class=map" in body and "<circle" in body


def test_hostile_strings_are_escaped_everywhere(served: tuple[str, Library]) -> None:
    url, made = served
    pages = ["/", "/?status=rejected", f"/?campaign={made.campaign_id}", f"/task/{made.target}",
             f"/task/{made.target}?version=1", f"/task/{made.rejected}", f"/task/{made.stepping}",
             f"/campaign/{made.campaign_id}", "/campaigns", "/library",
             "/?q=" + urllib.parse.quote(HOSTILE), "/task/" + urllib.parse.quote(HOSTILE, safe="")]
    for path in pages:
        _, body = fetch(url + path)
        assert "<script" not in body.lower(), path
        assert "\x1b" not in body and "\x07" not in body, path
        assert _event_handlers(body) == [], path
    _, body = fetch(f"{url}/task/{made.rejected}")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&#x27; onmouseover=" in body


def _event_handlers(body: str) -> list[str]:
    """Attributes named on* in the page (an escaped quote never opens one)."""
    found: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.extend(name for name, _ in attrs if name.startswith("on"))

    Parser().feed(body)
    return found


def test_novelty_sort_and_pages(served: tuple[str, Library], monkeypatch: object) -> None:
    import pytest

    from gensim.web import library

    url, made = served
    status, body = fetch(url + "/?sort=novelty")
    assert status == 200 and made.target in body
    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(library, "PAGE_SIZE", 10)
    _, first = fetch(url + "/?sort=name")
    _, second = fetch(url + "/?sort=name&page=2")
    one, two = (re.findall(r"data-task='([^']+)'", page) for page in (first, second))
    assert len(one) == 10 and len(two) == 10 and not set(one) & set(two) and one < two
    assert "page=2" in first
