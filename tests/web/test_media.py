"""Pictures of task versions: rendered in the sandbox, cached per code hash, served from the cache."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.web.conftest import fetch


@pytest.mark.slow
def test_background_renderer_fills_the_cache_and_pages_show_it(gensim_home: Path) -> None:
    from gensim.db import repository as repo
    from gensim.db.session import dispose_engines
    from gensim.web import media
    from gensim.web.app import State
    from gensim.web.server import start_browser
    from tests.web.conftest import make_library

    made = make_library(hostile="")
    v = repo.get_task_version(made.stepping, status="admitted")
    running = start_browser(state=State(renderer=media.Renderer()))
    try:
        _, body = fetch(f"{running.url}/task/{made.stepping}")
        assert "rendering…" in body
        deadline = time.monotonic() + 240
        while not media.media_state(v.code_hash).animation and time.monotonic() < deadline:
            time.sleep(1)
        assert media.media_state(v.code_hash) == media.MediaState(True, True, None)
        _, body = fetch(f"{running.url}/task/{made.stepping}")
        assert f"/media/{v.code_hash}/rollout.gif" in body
        status, gif = fetch(f"{running.url}/media/{v.code_hash}/rollout.gif")
        assert status == 200 and gif.startswith("GIF8")
        assert fetch(f"{running.url}/media/{v.code_hash}/failed.txt")[0] == 404
    finally:
        running.stop()
        dispose_engines()


def test_a_failed_rendering_is_recorded_and_not_retried(gensim_home: Path) -> None:
    from gensim.db.repository import code_hash
    from gensim.web import media

    code = "raise SystemExit('<no task here>')\n"
    digest = code_hash(code)
    state = media.render_version("broken-task", code, digest)
    assert not state.picture and state.failed
    assert media.media_state(digest).failed == state.failed
    renderer = media.Renderer()
    renderer.ask("broken-task", digest)
    assert renderer._thread is None  # nothing queued: the failure stands until the code changes


def test_media_paths_accept_only_code_hashes(gensim_home: Path) -> None:
    from gensim.web import media

    for bad in ("../../etc", "a" * 63, "A" * 64, "0" * 64 + "/.."):
        with pytest.raises(ValueError):
            media.media_dir(bad)
