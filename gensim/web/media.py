"""Pictures of task versions for the browser: a top-down + front PNG after reset and an expert
rollout GIF (one frame per action), rendered once per code version and cached under the home
(`<home>/cache/web/<code sha256>/`).

Every rendering runs in the sandbox (`gensim.web.render_job:media_job`), built-in tasks too:
the web server never executes task code itself. A failed rendering leaves `failed.txt` (its
error), so a broken task is not rendered again and again. `Renderer` renders in one background
thread, lazily, as pages ask for missing pictures; `render_all` does it up front.
"""

from __future__ import annotations

import queue
import re
import threading
from dataclasses import dataclass
from pathlib import Path

RENDER_WALL_S = 300.0  # seconds one sandboxed rendering may take (a rollout is the long part)
RENDER_CPU_S = 320  # CPU seconds of that child
PICTURE = "scene.png"
ANIMATION = "rollout.gif"
FAILED = "failed.txt"
_HASH = re.compile(r"^[0-9a-f]{64}$")


def media_root() -> Path:
    """The folder of cached pictures in the current home."""
    from gensim.config import get_settings

    return get_settings().cache_dir / "web"


def media_dir(code_hash: str, root: Path | None = None) -> Path:
    """The cache folder of one code version; ValueError unless `code_hash` is a sha256 hex."""
    if not _HASH.match(code_hash):
        raise ValueError("not a code hash")
    return (root or media_root()) / code_hash[:2] / code_hash


@dataclass(frozen=True)
class MediaState:
    """What the cache holds for one code version."""

    picture: bool
    animation: bool
    failed: str | None  # the error of a failed rendering


def media_state(code_hash: str, root: Path | None = None) -> MediaState:
    folder = media_dir(code_hash, root)
    failed = folder / FAILED
    return MediaState((folder / PICTURE).is_file(), (folder / ANIMATION).is_file(),
                      failed.read_text(errors="replace")[:2000] if failed.is_file() else None)


def render_version(name: str, code: str, code_hash: str, root: Path | None = None, *,
                   seed: int = 0) -> MediaState:
    """Render one task version's picture and animation in the sandbox into the cache."""
    from gensim.config import get_settings
    from gensim.sandbox import Limits, run_in_sandbox
    from gensim.sandbox.returned import unpack_files, write_file

    folder = media_dir(code_hash, root)
    folder.mkdir(parents=True, exist_ok=True)
    res = run_in_sandbox("gensim.web.render_job:media_job", {"code": code, "name": name, "seed": seed},
                         Limits(wall_s=RENDER_WALL_S, cpu_s=RENDER_CPU_S), warm=get_settings().sandbox_warm)
    error = res.error
    try:
        files = unpack_files(res.result.get("files") if res.ok and isinstance(res.result, dict) else {},
                             [PICTURE, ANIMATION])
    except ValueError as err:
        files, error = {}, str(err)
    for target, data in files.items():
        write_file(folder / target, data)
    if not (folder / PICTURE).is_file():
        (folder / FAILED).write_text(str(error or "the rendering made no picture")[:2000])
    return media_state(code_hash, root)


class Renderer:
    """Renders missing pictures one at a time in a daemon thread, in the order asked for."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self._queue: queue.Queue[tuple[str, str]] = queue.Queue()
        self._asked: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def ask(self, name: str, code_hash: str) -> None:
        """Queue a rendering of `code_hash` (once per process; no-op when cached or failed)."""
        with self._lock:
            if code_hash in self._asked:
                return
            self._asked.add(code_hash)
            state = media_state(code_hash, self.root)
            if state.picture or state.failed:
                return
            self._queue.put((name, code_hash))
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, daemon=True, name="gensim-web-render")
                self._thread.start()

    def _work(self) -> None:
        from gensim.db.repository import find_version_by_code_hash

        while True:
            name, code_hash = self._queue.get()
            try:
                row = find_version_by_code_hash(code_hash)
                if row is not None:
                    render_version(name, row.code, code_hash, self.root)
            except Exception as err:  # noqa: BLE001 - one bad rendering must not stop the others
                folder = media_dir(code_hash, self.root)
                folder.mkdir(parents=True, exist_ok=True)
                (folder / FAILED).write_text(f"{type(err).__name__}: {err}"[:2000])


def render_all(*, only_missing: bool = True, root: Path | None = None) -> dict[str, int]:
    """Render every admitted task version's pictures (newest per task); counts by outcome."""
    from gensim.db import repository as repo

    counts = {"rendered": 0, "cached": 0, "failed": 0}
    names = {t.id: t.name for t in repo.list_tasks()}
    for v in repo.list_versions(status="admitted", latest_only=True):
        state = media_state(v.code_hash, root)
        if only_missing and (state.picture or state.failed):
            counts["cached"] += 1
            continue
        state = render_version(names[v.task_id], v.code, v.code_hash, root)
        counts["rendered" if state.picture else "failed"] += 1
    return counts
