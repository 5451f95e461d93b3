"""Executors that run `gensim.data.worker.run_job` in parallel: a local process pool or Ray.

All have the same small interface, so the demo loop streams results the same way:
`submit(job) -> handle`, `next_done() -> (handle, outcomes)` (blocks until a job finishes),
`pending` (count), `close()`, and `warm(views, robot)` to start the workers ahead of the
first job (a no-op but for the process pool). Workers are started with `spawn` (a fresh
interpreter: no PyBullet client or random state inherited from the parent), without re-running
the parent's main module (the command line's imports: 0.4 s of a worker's start) and with
SIGINT blocked until they ignore it (`_spawning`).

Jobs of a task with code (generated or imported: untrusted) never run in a worker process: its
episodes are played in sandboxes only. Locally they go to `SandboxedExecutor`, which drives the
sandboxes from threads of this process (no worker process to start: its sandboxes start at once,
while the caller sets up the rest) and overlaps each job's trusted replay with the next job's play.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from gensim.errors import UsageError

EXECUTORS = ("local", "ray")
WORKER_STOP_S = 5.0  # seconds a busy worker gets to exit after SIGTERM, before SIGKILL


class Executor(Protocol):
    """What the demo loop needs from an executor."""

    workers: int
    kind: str

    @property
    def pending(self) -> int: ...

    def warm(self, views: bool, robot: str) -> None: ...

    def submit(self, job: dict[str, Any]) -> Any: ...

    def next_done(self) -> tuple[Any, list[dict[str, Any]]]: ...

    def close(self) -> None: ...


@contextmanager
def _spawning() -> Iterator[None]:
    """Around the calls that start pool processes: the parent's `__main__` is hidden from
    `multiprocessing.spawn` (a worker needs none of it: its functions live in gensim modules),
    and SIGINT is blocked in the calling thread, so a worker starts with it blocked (the mask
    is inherited) until `ignore_in_worker` ignores it: a Ctrl-C while a worker boots prints no
    traceback there. A signal meanwhile stays pending here and is handled when unblocked."""
    main = sys.modules.get("__main__")
    saved = {k: getattr(main, k) for k in ("__spec__", "__file__") if hasattr(main, k)}
    mask = threading.current_thread() is threading.main_thread()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if mask else None
    try:
        if main is not None:
            main.__spec__ = None
            if "__file__" in saved:
                del main.__file__
        yield
    finally:
        for key, value in saved.items():
            setattr(main, key, value)
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


class LocalExecutor:
    """A pool of `workers` spawned processes on this machine."""

    kind = "local"

    def __init__(self, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = max(1, int(workers))
        from gensim.interrupts import ignore_in_worker

        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=ignore_in_worker)
        self._pending: set[Any] = set()
        self._warming: list[Any] = []  # `warm`'s futures: nobody waits for them

    @property
    def pending(self) -> int:
        return len(self._pending)

    def warm(self, views: bool, robot: str) -> None:
        """Start every worker now, each loading the simulator for (`views`, `robot`)."""
        from gensim.data.worker import ready

        with _spawning():
            self._warming = [self._pool.submit(ready, views, robot) for _ in range(self.workers)]

    def submit(self, job: dict[str, Any]) -> Any:
        from gensim.data.worker import run_job

        with _spawning():  # the pool starts a worker in `submit` when none is idle
            future = self._pool.submit(run_job, job)
        self._pending.add(future)
        return future

    def next_done(self) -> tuple[Any, list[dict[str, Any]]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
        future = min(done, key=id)  # any one; the caller orders results itself
        self._pending.discard(future)
        return future, future.result()

    def close(self) -> None:
        """Stop the pool; workers still playing a job nobody will read (an interrupt, a stop
        on failures) get SIGTERM (their sandboxes go with them), then SIGKILL."""
        import signal
        import time

        busy = any(not future.done() for future in [*self._pending, *self._warming])
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        if not busy:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for process in processes:
                if process.is_alive():
                    try:
                        os.kill(process.pid, sig)
                    except ProcessLookupError:
                        pass
            deadline = time.monotonic() + WORKER_STOP_S
            for process in processes:
                process.join(max(0.0, deadline - time.monotonic()))
            if not any(process.is_alive() for process in processes):
                return


class RayExecutor:
    """The same worker function as Ray tasks: a local Ray instance, or the cluster at
    `RAY_ADDRESS` when that is set (then `workers` only bounds the jobs in flight)."""

    kind = "ray"

    def __init__(self, workers: int) -> None:
        try:
            import ray
        except ImportError as err:
            raise UsageError("--executor ray needs the optional extra: pip install 'gensim[ray]'") from err
        from gensim.data.worker import run_job

        self.workers = max(1, int(workers))
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False,
                                      "include_dashboard": False}
            if os.environ.get("RAY_ADDRESS"):
                kwargs["address"] = os.environ["RAY_ADDRESS"]
            else:
                kwargs["num_cpus"] = self.workers
            ray.init(**kwargs)
            self._started = True
        self._remote = ray.remote(num_cpus=1, max_retries=0)(run_job)
        self._pending: list[Any] = []

    def warm(self, views: bool, robot: str) -> None:
        """Nothing: Ray starts its workers itself."""

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(self, job: dict[str, Any]) -> Any:
        ref = self._remote.remote(job)
        self._pending.append(ref)
        return ref

    def next_done(self) -> tuple[Any, list[dict[str, Any]]]:
        done, rest = self._ray.wait(self._pending, num_returns=1)
        self._pending = list(rest)
        return done[0], self._ray.get(done[0])

    def close(self) -> None:
        for ref in self._pending:
            self._ray.cancel(ref, force=True)
        self._pending = []
        if self._started:
            self._ray.shutdown()


class SandboxedExecutor:
    """Jobs of a task with code, run locally from threads of this process, in two stages:
    `worker.play_sandboxed` (the episodes, played in a sandbox) then `worker.judged` (the trusted
    replay, in the replayer's sandbox). Up to `workers` jobs play and `workers` are replayed at
    a time, so a job's replay runs while the next one plays. The warm sandboxes of both stages
    start when the executor is made (`worker.prewarm`). Nothing of the task runs in this
    process: it reads the sandboxes' answers (decoded with limits) as a worker process would."""

    kind = "local"

    def warm(self, views: bool, robot: str) -> None:
        """Nothing: its sandboxes start when it is made."""

    def __init__(self, workers: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from gensim.data.worker import prewarm

        self.workers = max(1, int(workers))
        prewarm(self.workers)
        self._play = ThreadPoolExecutor(self.workers, thread_name_prefix="gensim-demos-play")
        self._judge = ThreadPoolExecutor(self.workers, thread_name_prefix="gensim-demos-replay")
        self._pending: set[Any] = set()
        self._busy: set[int] = set()  # idents of the threads inside a stage now
        self._closed = False

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _stage(self, fn: Any, *args: Any) -> Any:
        import threading

        from gensim.sandbox import registry

        ident = threading.get_ident()
        with registry.stoppable():
            self._busy.add(ident)
            try:
                if self._closed:  # `close` read `_busy` before this thread joined it
                    registry.stop([ident])
                return fn(*args)
            finally:
                self._busy.discard(ident)

    def submit(self, job: dict[str, Any]) -> Any:
        from concurrent.futures import Future

        from gensim.data.worker import judged, play_sandboxed

        done: Future[list[dict[str, Any]]] = Future()
        def replay(outcomes: list[dict[str, Any]]) -> None:
            try:
                done.set_result(self._stage(judged, outcomes, job))
            except BaseException as err:  # noqa: BLE001 - handed to whoever reads the result
                done.set_exception(err)

        def played(future: Future[tuple[list[dict[str, Any]], bool]]) -> None:
            if future.cancelled():
                done.cancel()
                return
            if future.exception() is not None:
                done.set_exception(future.exception())  # type: ignore[arg-type]
                return
            outcomes, ok = future.result()
            if not ok:
                done.set_result(outcomes)
                return
            try:
                self._judge.submit(replay, outcomes)
            except RuntimeError:  # closed meanwhile: nobody reads it
                done.cancel()

        self._play.submit(self._stage, play_sandboxed, job).add_done_callback(played)
        self._pending.add(done)
        return done

    def next_done(self) -> tuple[Any, list[dict[str, Any]]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
        future = min(done, key=id)
        self._pending.discard(future)
        return future, future.result()

    def close(self) -> None:
        """Cancel the jobs not started; jobs still running (an interrupt, a stop on failures)
        have their sandboxes killed, so that no thread outlives the call by more than a moment."""
        from gensim.sandbox import registry

        self._closed = True
        self._play.shutdown(wait=False, cancel_futures=True)
        self._judge.shutdown(wait=False, cancel_futures=True)
        registry.stop(list(self._busy))
        self._play.shutdown(wait=True)
        self._judge.shutdown(wait=True)


def make_executor(kind: str, workers: int, untrusted: bool = False) -> Executor:
    """`local` (process pool; `SandboxedExecutor` for the jobs of a task with code, `untrusted`)
    or `ray`; UsageError for anything else."""
    if kind == "local":
        return SandboxedExecutor(workers) if untrusted else LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(workers)
    raise UsageError(f"unknown executor '{kind}'; expected one of {', '.join(EXECUTORS)}")
