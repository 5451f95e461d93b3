"""`SandboxedExecutor`: jobs of a task with code driven from threads of the parent, each played in a
sandbox and then replayed in the replayer's (real bwrap, real physics); closing it ends what
still runs at once. The demos of such tasks (`tests/data/test_demos_replay.py`) go through it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from gensim.data.demos import chunk_size
from gensim.data.executors import LocalExecutor, SandboxedExecutor, make_executor
from gensim.sandbox import registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _job(path: Path, seeds: list[int]) -> dict[str, Any]:
    return {"task": path.stem.replace("_", "-"), "entry_point": "", "origin": "generated", "code": path.read_text(),
            "split": "train", "views": False, "robot": "none", "meta": {}, "seeds": seeds}


def test_chunks_shrink_towards_the_end() -> None:
    sizes, left = [], 10
    while left:
        sizes.append(chunk_size(4, left, 1))
        left -= sizes[-1]
    assert sizes == [4, 2, 2, 1, 1] and sum(sizes) == 10
    assert [chunk_size(4, left, 1) for left in (6, 4, 2, 1)] == [2, 2, 1, 1]
    assert chunk_size(4, 100, 2) == 4 and chunk_size(4, 6, 2) == 1 and chunk_size(1, 7, 1) == 1


def test_untrusted_jobs_run_in_no_worker_process(gensim_home: Path) -> None:
    built_in = make_executor("local", 1)
    assert isinstance(built_in, LocalExecutor)
    built_in.close()
    ex = make_executor("local", 1, untrusted=True)
    try:
        assert isinstance(ex, SandboxedExecutor)
        jobs = {ex.submit(_job(FIXTURES / "convention" / "place_red_block_in_green_bowl.py", [0])): "honest",
                ex.submit(_job(FIXTURES / "replay" / "forged_red_block_in_green_bowl.py", [0])): "forged"}
        assert ex.pending == 2
        outcomes = {}
        while ex.pending:
            handle, done = ex.next_done()
            outcomes[jobs[handle]] = done[0]
    finally:
        ex.close()
    honest, forged = outcomes["honest"], outcomes["forged"]
    assert honest["success"] and honest["task_success"] and isinstance(honest["data"], bytes)
    assert not forged["success"] and forged["task_success"] and forged["data"] is None  # the replay's word


def test_close_kills_the_jobs_that_still_run(gensim_home: Path) -> None:
    ex = SandboxedExecutor(1)
    future = ex.submit(_job(FIXTURES / "hostile" / "sleep_in_reset.py", [0, 2]))
    deadline = time.monotonic() + 120
    while not any(t in registry._jobs for t in list(ex._busy)):  # the play job holds its sandbox
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.0)
    start = time.monotonic()
    ex.close()
    assert time.monotonic() - start < 20  # not the job's phase budget (45 s) nor its wall clock
    assert not ex._busy and not registry._jobs
    assert future.done()
