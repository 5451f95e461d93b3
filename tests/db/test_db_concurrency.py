"""Eight writer processes on one SQLite file: no lost rows, unique version numbers."""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections import Counter
from typing import Any

from gensim.db import repository as repo

WRITERS = 8
PER_WRITER = 10  # versions per writer: half on a shared task, half on the writer's own task


def _write_versions(url: str, writer: int, start: Any, results: Any) -> None:
    """Runs in a spawned process. All writers start together on an empty database, so they
    also race to create the schema and the shared task."""
    start.wait(timeout=60)
    written = []
    for item in range(PER_WRITER):
        name = "shared-task" if item % 2 == 0 else f"own-task-{writer}"
        version = repo.add_task_version(name, f"# writer {writer} item {item}\n", url=url)
        written.append((name, version.version))
    results.put(written)


def test_concurrent_writer_processes_lose_nothing(db_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(WRITERS), context.Queue()
    workers = [
        context.Process(target=_write_versions, args=(db_url, w, start, results))
        for w in range(WRITERS)
    ]
    for worker in workers:
        worker.start()
    batches: list[list[tuple[str, int]]] = []
    deadline = time.monotonic() + 120
    while len(batches) < WRITERS:
        try:
            batches.append(results.get(timeout=1))
        except queue.Empty:
            failed = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            assert not failed, f"writer processes failed with exit codes {failed}"
            assert time.monotonic() < deadline, "writers did not finish in 120 s"
    reported = [pair for batch in batches for pair in batch]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    assert len(reported) == WRITERS * PER_WRITER
    assert len(set(reported)) == len(reported), "two writers got the same version number"
    stored = repo.list_versions(url=db_url)
    assert len(stored) == WRITERS * PER_WRITER
    names = repo.task_names({v.task_id for v in stored}, url=db_url)
    per_task = Counter(names[v.task_id] for v in stored)
    assert per_task["shared-task"] == WRITERS * PER_WRITER // 2
    for name, count in per_task.items():
        numbers = sorted(v.version for v in stored if names[v.task_id] == name)
        assert numbers == list(range(1, count + 1)), f"{name}: gaps or duplicates {numbers}"
    assert len({v.code for v in stored}) == WRITERS * PER_WRITER  # every write, none twice
