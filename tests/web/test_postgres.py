"""The browser's pages over a PostgreSQL task DB (the server of tests/db/test_db_postgres.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.db.test_db_postgres import postgres_url
from tests.web.conftest import fetch, make_library

pytestmark = pytest.mark.postgres
__all__ = ["postgres_url"]  # the module-scoped fixture, reused


def test_pages_over_postgres(postgres_url: str, gensim_home: Path) -> None:
    from gensim.web.app import State
    from gensim.web.server import start_browser

    made = make_library(url=postgres_url)
    running = start_browser(state=State(url=postgres_url))
    try:
        for path, expected in [("/", made.target), (f"/?status=rejected&campaign={made.campaign_id}", made.rejected),
                               (f"/task/{made.target}", "class=lineage"),
                               (f"/campaign/{made.campaign_id}", made.stepping), ("/library", "<circle")]:
            status, body = fetch(running.url + path)
            assert status == 200 and expected in body, path
    finally:
        running.stop()
