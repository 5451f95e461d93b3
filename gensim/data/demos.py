"""`make_demos`: expert demonstrations of one task version into a dataset folder (the library
function behind `gensim demos NAME`).

Seeds follow the convention (`gensim.data.format.split_seeds`). `n` is the number of episodes
the dataset holds when the call returns: a rerun after an interruption resumes at the next
unattempted seed, and a larger `n` appends. Results are written in seed order (out-of-order
completions wait in a window of at most `WINDOW_PER_WORKER` jobs per worker), so the dataset
is always "the first n successful seeds" whatever the executor, worker count or timing.
Every call is one MLflow run (experiment gensim/demos) and one `Dataset` row in the task DB.

`robot` ("none": the floating end effector; "panda": the Franka arm, `gensim.sim.arm`) is the
embodiment the expert plays with. It is pinned in the dataset header (`dataset.json`), recorded
in every manifest line, every episode's meta and the MLflow params, and a dataset made with an
arm goes to its own folder and name (`<split>-<robot>`). With an arm each episode file also holds
the 20 Hz control stream (`control_*` members, `gensim.data.control`); the parent checks it
(`check_control`) before it writes the episode, as it checks the rewards. A generated or
imported task was admitted after a check with the floating end effector only: with an arm it
is checked once with that arm first (`gensim.data.robot_check`), and a failure stops the run.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gensim.checking.conventions import SUCCESS_REWARD
from gensim.data.catalog import PinnedTask, dataset_name, default_root, pin_task
from gensim.data.format import EpisodeFile, seed_at
from gensim.data.splits import check_request as check_request  # the CLI's early check, here too
from gensim.data.writer import DatasetWriter, dataset_digest, dataset_size
from gensim.interrupts import Interrupted

if TYPE_CHECKING:
    from gensim.data.executors import Executor

WINDOW_PER_WORKER = 4  # jobs in flight or waiting to be written, per worker
CODE_CHUNK = 4  # seeds per sandboxed job at most (each job forks a child and replays its chunk)
Progress = Callable[[dict[str, Any]], None]


@dataclass
class DemoReport:
    """What a demo run did; `to_json()` is the CLI's `--json` object."""

    task: str
    version: int
    version_id: int
    code_hash: str
    split: str
    episodes: int  # stored in the dataset now
    failures: int  # failed attempts recorded in the dataset now
    new_episodes: int  # added by this run
    new_failures: int  # failed attempts of this run
    path: str
    bytes_per_episode: float
    episodes_per_minute: float  # new episodes per minute of wall clock in this run
    expert_success_rate: float  # of this run's attempts (1.0 when it attempted nothing)
    seconds: float
    executor: str
    workers: int
    digest: str
    size_bytes: int
    seeds: list[int] = field(default_factory=list)  # kept seeds, ascending
    dataset_id: int | None = None
    mlflow_run_id: str | None = None
    mlflow_url: str | None = None  # the run's page in the MLflow UI
    peak_rss_mb: float = 0.0  # of this (parent) process
    stopped: str = ""  # why the run ended before n episodes, if it did
    robot: str = "none"  # the embodiment of the expert (see the module docstring)
    disagreements: int = 0  # attempts of this run where the task's own rewards and the replay's differ

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["seeds"] = len(self.seeds)
        return doc


def _peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux: VmHWM, which, unlike ru_maxrss, does not
    carry over the size of the process that forked this one)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def _verified(seed: int, outcome: dict[str, Any], pinned: PinnedTask, robot: str = "none") -> bytes | None:
    """The episode bytes if they decode, their own rewards say success and they hold the control
    stream `robot` records (`gensim.data.control.read_control`, bounded); else None."""
    from gensim.data.control import read_control

    data = outcome.get("data")
    if not outcome.get("success") or not isinstance(data, bytes | bytearray):
        return None
    if pinned.code is not None and "task_success" not in outcome:
        return None  # untrusted code: only an episode the trusted replay judged (`gensim.data.worker`)
    try:
        episode = EpisodeFile(bytes(data))
        ok = (int(episode.meta.get("seed", -1)) == seed and float(episode.reward.sum()) > SUCCESS_REWARD
              and episode.meta.get("version_id") == pinned.version_id
              and episode.meta.get("robot", "none") == robot
              and read_control(episode, robot)[1] is None)
        episode.close()
    except Exception:  # noqa: BLE001 - undecodable bytes are a failed attempt
        return None
    return bytes(data) if ok else None


def episode_meta(pinned: PinnedTask, split: str, robot: str) -> dict[str, Any]:
    """What every episode's meta records about its making (the robot only with an arm: episodes
    of the floating end effector keep the bytes they had before robots existed)."""
    return {**pinned.header(), "split": split, **({"robot": robot} if robot != "none" else {})}


def make_demos(
    name: str, n: int, split: str = "train", *, workers: int = 1, executor: str = "local",
    views: bool = False, version: int | None = None, out: Path | None = None,
    max_failures: int | None = None, progress: Progress | None = None, track: bool = True,
    defer_tracking: bool = False, robot: str = "none", notice: Callable[[str], None] | None = None,
) -> DemoReport:
    """Make the dataset of `name` (pinned version) for `split` hold `n` expert episodes.

    `max_failures` (default `max(10, n)`) stops a run whose expert keeps failing. `progress` is
    called after each attempt is written with `{"seed", "success", "episodes", "failures"}`.
    `defer_tracking` logs the MLflow run after the call, in a detached writer
    (`gensim.tracking.outbox`): the report then has the run's link but no run id, and the
    dataset row gets its run id when the run is logged. `robot`: see the module docstring.
    With an arm, a version that is code (generated, imported) is first checked with that arm
    once (`gensim.data.robot_check`; `notice` hears a line when a check starts): a failure
    raises `RobotCheckFailed` before anything is written.
    """
    started_at = time.time()
    check_request(n, split, workers, executor, robot)
    from gensim.data.executors import make_executor
    from gensim.tasks.builtin import SPECS

    pool = None
    if version is None and any(spec.name == name for spec in SPECS):
        # A built-in's current file, played by worker processes: they start now, while the task
        # is pinned and the dataset opened (a version with code gets its own executor below).
        pool = make_executor(executor, workers)
        pool.warm(views, robot)
    elif version is None and executor == "local":
        # Any other name is a task with code (generated, imported): its warm sandboxes start
        # now, while the task is pinned (`SandboxedExecutor` then finds them starting).
        from gensim.data.worker import prewarm

        try:
            prewarm(workers)
        except Exception:  # noqa: BLE001, S110 - e.g. no bwrap: said once the task is known (below)
            pass
    try:
        pinned = pin_task(name, version)
        from gensim.data.robot_check import require_robot_check

        require_robot_check(pinned, robot, notice=notice)
        root = Path(out) if out is not None else default_root(pinned, split, robot)
        writer = DatasetWriter(root, {**pinned.header(), "split": split, "format": 1, "robot": robot},
                               views=views, robot=robot)
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    if track:  # the dataset row is written through the ORM at the end: import it while the episodes play
        from gensim.db.quick import import_orm_meanwhile

        import_orm_meanwhile()
    try:
        if pool is None or pinned.code is not None:
            if pool is not None:
                pool.close()
            pool = make_executor(executor, workers, untrusted=pinned.code is not None)
        return _make(pinned, writer, pool, n, split, views, max_failures, progress, track,
                     started_at, defer_tracking)
    except KeyboardInterrupt as err:
        if isinstance(err, Interrupted):
            raise
        raise Interrupted(f"{len(writer.kept_seeds())} of {n} episodes kept in dataset "
                          f"{dataset_name(pinned, split, robot)} ({root}); rerun the same command "
                          "to resume") from None
    finally:
        if pool is not None:
            pool.close()
        writer.close()  # the dataset's lock


def _make(pinned: PinnedTask, writer: DatasetWriter, pool: Executor, n: int, split: str,
          views: bool, max_failures: int | None, progress: Progress | None, track: bool,
          started_at: float, defer_tracking: bool = False) -> DemoReport:
    root = writer.root
    report = DemoReport(
        task=pinned.name, version=pinned.version, version_id=pinned.version_id,
        code_hash=pinned.code_hash, split=split, episodes=0, failures=0, new_episodes=0,
        new_failures=0, path=str(root.resolve()), bytes_per_episode=0.0, episodes_per_minute=0.0,
        expert_success_rate=1.0, seconds=0.0, executor=pool.kind, workers=pool.workers, digest="",
        size_bytes=0, robot=writer.robot)
    if not track:
        return _finish(_generate(pinned, writer, pool, report, n, views, max_failures, progress), writer)
    from gensim.tracking import DEMOS, get_tracker
    from gensim.tracking.outbox import deferred_run

    params = {"task": pinned.name, "version": pinned.version, "version_id": pinned.version_id,
              "code_hash": pinned.code_hash, "split": split, "n": n, "executor": report.executor,
              "workers": report.workers, "views": views, "robot": report.robot,
              "seeds": "{}, {}, ... (stride 2)".format(*(seed_at(split, i) for i in range(2)))}
    name = f"demos {pinned.name} {split} v{pinned.version} n={n}" + (
        f" {report.robot}" if report.robot != "none" else "")
    tags = {"gensim.task": pinned.name, "gensim.split": split, "gensim.robot": report.robot}
    with (deferred_run(DEMOS, name, params=params, tags=tags, started_at=started_at) if defer_tracking else
          get_tracker().run(DEMOS, name, params=params, system_metrics=True, started_at=started_at,
                            tags=tags)) as run:
        _generate(pinned, writer, pool, report, n, views, max_failures, progress)
        _finish(report, writer)
        report.mlflow_run_id = run.run_id
        report.mlflow_url = run.url
        _record(report, run, root)
    report.mlflow_run_id, report.mlflow_url = run.run_id, run.url  # a deferred run's are known now
    return report


def _generate(pinned: PinnedTask, writer: DatasetWriter, pool: Executor, report: DemoReport, n: int,
              views: bool, max_failures: int | None, progress: Progress | None) -> DemoReport:
    kept = len(writer.kept_seeds())
    if kept >= n:
        return report
    attempted = writer.attempted()
    limit = max(10, n) if max_failures is None else max_failures
    chunk = CODE_CHUNK if pinned.code is not None else 1
    base = {**pinned.job_fields(), "split": report.split, "views": views, "robot": report.robot,
            "meta": episode_meta(pinned, report.split, report.robot)}
    start = time.perf_counter()
    window = WINDOW_PER_WORKER * report.workers * chunk
    queue: list[int] = []  # dispatched seeds not yet written, ascending
    results: dict[int, dict[str, Any]] = {}
    index = 0
    try:
        while True:
            while len(queue) < min(window, n - kept):
                seeds: list[int] = []
                while len(seeds) < chunk_size(chunk, n - kept - len(queue), report.workers):
                    seed = seed_at(report.split, index)
                    index += 1
                    if seed not in attempted:
                        seeds.append(seed)
                queue.extend(seeds)
                pool.submit({**base, "seeds": seeds})
            if not queue:
                break
            _, outcomes = pool.next_done()
            results.update({int(o["seed"]): o for o in outcomes})
            while queue and queue[0] in results and kept < n:
                seed = queue.pop(0)
                outcome = results.pop(seed)
                data = _verified(seed, outcome, pinned, report.robot)
                if data is not None:
                    writer.write_episode(seed, data, _timings(outcome), _warnings(outcome))
                    kept += 1
                    report.new_episodes += 1
                else:
                    writer.write_failure(seed, {k: outcome.get(k) for k in
                                                ("error", "steps", "total_reward", "seconds")}
                                         | {k: outcome[k] for k in ("task_total_reward", "warnings") if k in outcome})
                    report.new_failures += 1
                report.disagreements += bool(_warnings(outcome))
                if progress is not None:
                    progress({"seed": seed, "success": data is not None, "episodes": kept,
                              "failures": report.new_failures})
            if kept >= n:
                break
            if report.new_failures > limit:
                report.stopped = f"the expert failed {report.new_failures} times (limit {limit})"
                break
    finally:
        pool.close()
    report.seconds = round(time.perf_counter() - start, 3)
    return report


def chunk_size(chunk: int, left: int, workers: int) -> int:
    """Seeds of the next job when `left` are still to dispatch: `chunk`, smaller towards the end
    (a third of what is left per worker, rounded up). A chunk of a task with code is replayed
    while the next one plays, and the last replay overlaps no play: the smaller the last chunks,
    the shorter that tail, and the slower they shrink, the less the replay (about 0.5-0.8 of the
    play's time) falls behind before it (6 seeds go as 2, 2, 1, 1; halving them, 3, 2, 1, left
    the replay of build-car 1.2 s behind the play's end against 0.6 s for its last episode)."""
    return max(1, min(chunk, left, -(-left // (3 * max(1, workers)))))


def _timings(outcome: dict[str, Any]) -> dict[str, float]:
    """The worker's timings of an episode (s), for the manifest; bounded, numbers only."""
    raw = outcome.get("timings")
    if not isinstance(raw, dict):
        return {}
    return {str(k)[:16]: round(float(v), 4) for k, v in list(raw.items())[:8]
            if isinstance(v, int | float)}


def _warnings(outcome: dict[str, Any]) -> list[str]:
    """The worker's notes on an episode (e.g. the replay disagreed with the task's rewards)."""
    raw = outcome.get("warnings")
    return [str(w)[:500] for w in raw[:16]] if isinstance(raw, list) else []


def _finish(report: DemoReport, writer: DatasetWriter) -> DemoReport:
    report.seeds = writer.kept_seeds()
    report.episodes = len(report.seeds)
    report.failures = len(writer.failed_seeds())
    report.size_bytes = dataset_size(writer.root)
    report.digest = dataset_digest(writer.root)
    report.bytes_per_episode = round(report.size_bytes / report.episodes, 1) if report.episodes else 0.0
    attempts = report.new_episodes + report.new_failures
    report.expert_success_rate = round(report.new_episodes / attempts, 4) if attempts else 1.0
    minutes = report.seconds / 60.0
    report.episodes_per_minute = round(report.new_episodes / minutes, 2) if minutes > 0 else 0.0
    report.peak_rss_mb = _peak_rss_mb()
    return report


def _record(report: DemoReport, run: Any, root: Path) -> None:
    """The DB row, then metrics, the dataset input and a sample GIF in the MLflow run."""
    import numpy as np

    from gensim.db import provenance

    name = f"{report.task}-v{report.version}-{report.split}" + (  # = catalog.dataset_name
        f"-{report.robot}" if report.robot != "none" else "")
    row = provenance.add_dataset(
        name, report.path, [report.version_id], split=report.split, n_episodes=report.episodes,
        seeds=report.seeds, digest=report.digest, size_bytes=report.size_bytes,
        mlflow_run_id=report.mlflow_run_id)
    report.dataset_id = row.id
    if report.mlflow_run_id is None:
        run.on_created("gensim.db.provenance:set_dataset_run", dataset_id=row.id)
    run.log_metrics({"episodes_per_minute": report.episodes_per_minute,
                     "expert_success_rate": report.expert_success_rate,
                     "bytes_per_episode": report.bytes_per_episode,
                     "failures": report.new_failures, "episodes": report.episodes,
                     "new_episodes": report.new_episodes, "seconds": report.seconds,
                     "peak_rss_mb": report.peak_rss_mb})
    run.set_tags({"gensim.dataset_id": row.id, "gensim.dataset_digest": report.digest})
    run.log_dataset({"seed": np.asarray(report.seeds, dtype=np.int64)}, name=name,
                    source=report.path, digest=report.digest[:36])
    run.log_dict(report.to_json() | {"seeds": report.seeds}, "demos.json")
    gif = _sample_gif(root, report.seeds)
    if gif is not None:
        run.log_artifact(gif, "sample")
        gif.unlink(missing_ok=True)


def _sample_gif(root: Path, seeds: list[int]) -> Path | None:
    """A GIF of the first stored episode's top-down colour frames (None when there is none)."""
    import tempfile

    from PIL import Image

    from gensim.data.format import episode_filename

    if not seeds:
        return None
    episode = EpisodeFile(root / "episodes" / episode_filename(seeds[0]))
    frames: list[Any] = [episode.color(t) for t in range(episode.steps + 1)]
    episode.close()
    folder = Path(tempfile.mkdtemp(prefix="gensim-gif-"))
    path = folder / f"episode-{seeds[0]:06d}.gif"
    # Pillow itself, the format named: no plugin scan (imageio's import and Pillow's `init`
    # cost 0.15-0.2 s of a one-episode command). 800 ms a frame, as meant (imageio's 0.8 was ms).
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], duration=800, loop=0)
    return path

