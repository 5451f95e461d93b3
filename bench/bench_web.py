"""Task library browser benchmark: gallery first page and search over a 1,000-task library.

    python bench/bench_web.py [--tasks 1000] [--repeat 7]

A temporary home gets the built-in tasks plus synthetic generated tasks (template descriptions,
distinct code, a campaign each 50 tasks, lineage links, three verdicts per version; no pictures
rendered). The browser runs on a free local port and is fetched over HTTP (median of --repeat
GETs after one warm-up). Baselines measured in the same run: the gallery against the
repository's read of every task's newest admitted version with its code
(`repository.list_versions(latest_only=True)`), the page's search against `search_tasks` called
directly (what `gensim tasks search` runs, without process start). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

VERBS = ["stack", "place", "put", "align", "sort", "pack", "sweep", "insert", "arrange", "build"]
COLORS = ["red", "green", "blue", "yellow", "purple", "orange", "pink", "cyan", "brown", "white"]
OBJECTS = ["blocks", "boxes", "cylinders", "balls", "bowls", "disks", "kit shapes", "ropes"]
PLACES = ["on the pallet", "in the zone", "in a row", "into the container", "around the stand"]


def make_library(n: int) -> None:
    """Built-ins plus `n` synthetic generated tasks in the configured home."""
    import random

    from gensim.db import provenance as prov
    from gensim.db import repository as repo
    from gensim.generation.library import sync_builtins

    sync_builtins()
    base = repo.get_task_version("stack-block-pyramid", status="admitted")
    rng = random.Random(0)
    campaign = None
    previous = None
    for i in range(n):
        if i % 50 == 0:
            campaign = prov.create_campaign("bottomup", provider="offline", model="composer")
        verb, colour, obj, place = rng.choice(VERBS), rng.choice(COLORS), rng.choice(OBJECTS), rng.choice(PLACES)
        desc = f"{verb.capitalize()} the {colour} {obj} {place}, {rng.randint(2, 6)} of them."
        rejected = i % 5 == 4
        parents = [(int(previous.id or 0), "few-shot")] if previous is not None and i % 3 else []
        v = repo.add_task_version(
            f"{verb}-{colour}-{obj.replace(' ', '-')}-{i}", base.code + f"\n# variant {i}\n", desc,
            tags=[verb, colour], provider="offline", model="composer", campaign_id=int(campaign.id or 0) if campaign else None,
            status="rejected" if rejected else "admitted", success_rate=None if rejected else 1.0, seeds=[0, 2, 4],
            parents=parents)
        for stage in ("parse", "static", "runtime"):
            prov.add_validation_result(int(v.id or 0), stage, not (rejected and stage == "runtime"),
                                       error="boom" if rejected and stage == "runtime" else None)
        if rejected:
            repo.set_version_status(int(v.id or 0), "rejected", stage="runtime", reason="boom")
        else:
            previous = v


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as reply:
        return bytes(reply.read())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="gensim-bench-web-"))
    os.environ["GENSIM_HOME"] = str(home)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from gensim.db import repository as repo
    from gensim.retrieval.adapters import search_tasks
    from gensim.web.app import State
    from gensim.web.server import start_browser

    start = time.perf_counter()
    make_library(args.tasks)
    built = time.perf_counter() - start
    n_tasks = len(repo.list_tasks())
    running = start_browser(state=State())
    query = "stack blocks"
    try:
        cold = time.perf_counter()
        get(f"{running.url}/?q={urllib.parse.quote(query)}")  # builds the search index once
        cold_s = time.perf_counter() - cold
        rows = [
            ("gallery first page (GET /)", median_ms(lambda: get(f"{running.url}/"), args.repeat),
             "read newest admitted versions", median_ms(lambda: repo.list_versions(status="admitted", latest_only=True),
                                                        args.repeat), 300.0),
            ("gallery, rejected at runtime", median_ms(lambda: get(f"{running.url}/?status=rejected&stage=runtime"),
                                                       args.repeat), "", None, 300.0),
            (f"search '{query}' (GET /?q=)", median_ms(lambda: get(f"{running.url}/?q={urllib.parse.quote(query)}"),
                                                       args.repeat),
             "search_tasks() direct", median_ms(lambda: search_tasks(query, 48), args.repeat), 1000.0),
            ("task page (GET /task/NAME)", median_ms(lambda: get(f"{running.url}/task/stack-block-pyramid"),
                                                     args.repeat), "", None, None),
        ]
    finally:
        running.stop()
    print(f"{n_tasks} tasks ({args.tasks} synthetic generated + built-ins), library built in {built:.0f} s; "
          f"first search (index build) {cold_s:.1f} s; median of {args.repeat}; "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| request | ms | baseline | baseline ms | ratio | aim ms | met |")
    print("|---|---|---|---|---|---|---|")
    for name, ms, base_name, base_ms, aim in rows:
        ratio = f"{ms / base_ms:.2f}" if base_ms else ""
        base = f"{base_ms:.0f}" if base_ms is not None else ""
        met = "" if aim is None else ("yes" if ms < aim else "no")
        print(f"| {name} | {ms:.0f} | {base_name} | {base} | {ratio} | {aim or ''} | {met} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
