"""Fixtures of the browser tests: a library of built-in and generated tasks, and the browser
serving it on a free local port."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HOSTILE = "<script>alert('x')</script>\"' onmouseover='alert(1)' x=\"&\x1b[31m\x07"


MLFLOW_URL = "http://127.0.0.1:5000"  # where the pages link runs to (no server needed)


@dataclass
class Library:
    """What `make_library` stored."""

    campaign_id: int
    stepping: str  # an admitted stepping-stone task of the campaign
    target: str  # the campaign's admitted target task
    rejected: str  # a task whose only version was rejected


def make_library(url: str | None = None, hostile: str = HOSTILE) -> Library:
    """Built-ins, plus a top-down campaign (two admitted tasks linked by curriculum, one
    repaired version, one rejected candidate) whose text fields carry `hostile`."""
    from gensim.db import provenance as prov
    from gensim.db import repository as repo
    from gensim.generation.library import sync_builtins

    sync_builtins(url=url)
    base = repo.get_task_version("stack-block-pyramid", status="admitted", url=url)
    code = base.code
    campaign = prov.create_campaign("topdown", provider="offline", model=f"composer{hostile}", target="build-tower",
                                    url=url)
    cid = int(campaign.id or 0)
    step = repo.add_task_version(
        "stack-two-blocks", code, f"Stack two blocks. {hostile}", tags=["stacking", f"t{hostile}"],
        provider="offline", model=f"composer{hostile}", campaign_id=cid, status="admitted",
        success_rate=1.0, seeds=[0, 1], parents=[(int(base.id or 0), "few-shot")], mlflow_run_id=f"r{hostile}"[:64],
        url=url)
    first = repo.add_task_version(
        "build-tower", code + "\n# first try\n", "Build a tower.", campaign_id=cid, provider="offline",
        model="composer", parents=[(int(step.id or 0), "curriculum")], url=url)
    repo.set_version_status(int(first.id or 0), "rejected", stage="runtime", reason=f"boom {hostile}", url=url)
    prov.add_validation_result(int(first.id or 0), "parse", True, url=url)
    prov.add_validation_result(int(first.id or 0), "runtime", False, error=f"Error {hostile}", url=url)
    second = repo.add_task_version(
        "build-tower", code + f"\n# {hostile}\n", "Build a tower of blocks.", campaign_id=cid, provider="offline",
        model="composer", status="admitted", success_rate=0.8, seeds=[0, 1, 2, 3, 4],
        parents=[(int(first.id or 0), "repair"), (int(step.id or 0), "curriculum")], url=url)
    for stage in ("parse", "runtime", "success"):
        prov.add_validation_result(int(second.id or 0), stage, True,
                                   details={"warnings": [f"warn {hostile}"]} if stage == "success" else None, url=url)
    bad = repo.add_task_version(f"bad-{'x'}", "print('<b>')", hostile, campaign_id=cid, provider="offline",
                                model="composer", url=url)
    repo.set_version_status(int(bad.id or 0), "rejected", stage="static", reason=hostile, url=url)
    return Library(cid, "stack-two-blocks", "build-tower", "bad-x")


def fetch(url: str) -> tuple[int, str]:
    """(status, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=60) as reply:
            return reply.status, reply.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


@pytest.fixture
def served(gensim_home: Path) -> Iterator[tuple[str, Library]]:
    """(browser URL, library) over a fresh home; nothing is rendered (no renderer)."""
    from gensim.db.session import dispose_engines
    from gensim.web.app import State
    from gensim.web.server import start_browser

    made = make_library()
    running = start_browser(state=State(mlflow_url=MLFLOW_URL))
    try:
        yield running.url, made
    finally:
        running.stop()
        dispose_engines()
