"""`verify_dataset`: find a dataset's bad episodes and, on request, regenerate them (the library
function behind `gensim demos verify NAME [--repair]`).

The check compares every episode file with the manifest (`gensim.data.manifest`): missing,
truncated, corrupted (checksum) and unreadable episodes are bad. `repair=True` takes the
dataset's lock, moves each bad file to `damaged/` (nothing is deleted), plays the expert of the
pinned task version again on the same seed (episode files are a pure function of task version
and seed) and writes the result; a regenerated episode whose sha256 equals the recorded one is
`restored`, so the dataset's digest matches its record again. Readable unrecorded episodes (a
killed writer's last one, or a dataset older than the manifest) get their checksum recorded,
unless the dataset was made with an arm and their control stream is not what gensim records
(`gensim.data.control.check_control`): those are bad ("unreadable"). Recorded episodes are
covered by their checksum, control stream included (it is part of the file).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gensim.data.manifest import (
    Problem,
    append_entry,
    check_dataset,
    entry_for,
    read_manifest,
    recorded_digest,
)
from gensim.data.writer import HEADER, DatasetWriter, dataset_digest
from gensim.errors import UsageError

DAMAGED = "damaged"  # where --repair moves bad files (outside episodes/)


@dataclass
class Repair:
    """What `--repair` did to one bad episode."""

    file: str
    seed: int
    result: str  # restored | regenerated (differs from the record) | failed
    detail: str = ""


@dataclass
class VerifyReport:
    """The outcome of `verify_dataset`; `to_json()` is the CLI's `--json` object."""

    path: str
    episodes: int  # episode files now
    recorded: int  # episodes in the manifest
    problems: list[Problem]
    repairs: list[Repair] = field(default_factory=list)
    digest: str = ""  # of the episode files now
    recorded_digest: str = ""  # what the manifest promises

    @property
    def bad(self) -> list[Problem]:
        return [p for p in self.problems if p.bad]

    @property
    def ok(self) -> bool:
        return not self.bad and self.digest == self.recorded_digest

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "ok": self.ok, "episodes": self.episodes,
                "recorded": self.recorded, "bad": len(self.bad),
                "problems": [p.to_json() for p in self.problems],
                "repairs": [asdict(r) for r in self.repairs], "digest": self.digest,
                "recorded_digest": self.recorded_digest}


def _check(root: Path) -> VerifyReport:
    entries = read_manifest(root)
    problems = [_control_problem(root, p) if p.kind == "unrecorded" else p
                for p in check_dataset(root, entries=entries)]
    files = len(list((root / "episodes").glob("ep-*.npz")))
    return VerifyReport(path=str(root.resolve()), episodes=files, recorded=len(entries),
                        problems=problems, digest=dataset_digest(root),
                        recorded_digest=recorded_digest(entries))


def _control_problem(root: Path, problem: Problem) -> Problem:
    """`problem` (an unrecorded, readable episode), or an "unreadable" one when the dataset was
    made with an arm and the file's control stream is not what gensim records."""
    import json

    from gensim.data.catalog import dataset_robot
    from gensim.data.control import read_control
    from gensim.data.format import EpisodeFile

    robot = dataset_robot(json.loads((root / HEADER).read_text()))
    episode = EpisodeFile(root / "episodes" / problem.file)
    try:
        why = read_control(episode, robot)[1]
    finally:
        episode.close()
    if why is None:
        return problem
    return Problem(problem.file, problem.seed, "unreadable", f"control stream: {why}")


def verify_dataset(root: Path, *, repair: bool = False, workers: int = 1) -> VerifyReport:
    """Check every episode of the dataset folder `root`; with `repair`, fix what can be fixed."""
    root = Path(root)
    if not (root / HEADER).is_file():
        raise UsageError(f"not a gensim dataset folder (no {HEADER}): {root}")
    if not repair:
        return _check(root)
    import json

    header = json.loads((root / HEADER).read_text())
    with DatasetWriter(root, header, check=False) as writer:  # the lock; header unchanged
        report = _check(root)
        for problem in report.problems:
            if problem.kind == "unrecorded":
                append_entry(root, entry_for(root / "episodes" / problem.file))
        bad = report.bad
        repairs = _regenerate(writer, header, bad, workers) if bad else []
    after = _check(root)
    after.repairs = repairs
    return after


def _regenerate(writer: DatasetWriter, header: dict[str, Any], bad: list[Problem],
                workers: int) -> list[Repair]:
    """Play the bad seeds again with the task version that made the dataset, and write them."""
    from gensim.data.catalog import dataset_robot, pin_task
    from gensim.data.demos import CODE_CHUNK, _timings, _verified, episode_meta
    from gensim.data.executors import make_executor

    root = writer.root
    entries = read_manifest(root)
    pinned = pin_task(str(header["task"]), int(header["version"]))
    if pinned.version_id != header.get("version_id") or pinned.code_hash != header.get("code_hash"):
        raise UsageError(f"dataset {root} was made by {header['task']} version {header['version']} "
                         f"with code {str(header.get('code_hash'))[:12]}..., which the task DB no longer "
                         "holds; its bad episodes cannot be regenerated")
    split = str(header["split"])
    robot = dataset_robot(header)
    views_of = {p.seed: entries[p.file].views if p.file in entries else _dataset_views(entries)
                for p in bad}
    chunk = CODE_CHUNK if pinned.code is not None else 1
    pool = make_executor("local", workers, untrusted=pinned.code is not None)
    outcomes: dict[int, dict[str, Any]] = {}
    try:
        for views in sorted(set(views_of.values())):
            seeds = sorted(s for s, v in views_of.items() if v == views)
            for i in range(0, len(seeds), chunk):
                pool.submit({**pinned.job_fields(), "split": split, "views": views, "robot": robot,
                             "meta": episode_meta(pinned, split, robot),
                             "seeds": seeds[i:i + chunk]})
        while pool.pending:
            _, done = pool.next_done()
            outcomes.update({int(o["seed"]): o for o in done})
    finally:
        pool.close()
    repairs = []
    (root / DAMAGED).mkdir(exist_ok=True)
    for problem in bad:
        outcome = outcomes.get(problem.seed, {})
        data = _verified(problem.seed, outcome, pinned, robot)
        if data is None:
            error = outcome.get("error") or "the expert did not succeed"
            repairs.append(Repair(problem.file, problem.seed, "failed", str(error)[:200]))
            continue
        path = root / "episodes" / problem.file
        if path.exists():
            os.replace(path, root / DAMAGED / problem.file)
        writer.views = views_of[problem.seed]
        writer.write_episode(problem.seed, data, _timings(outcome))
        entry = entries.get(problem.file)
        new = read_manifest(root)[problem.file]
        if entry is None or entry.sha256 == new.sha256:
            repairs.append(Repair(problem.file, problem.seed, "restored"))
        else:
            repairs.append(Repair(problem.file, problem.seed, "regenerated",
                                  "differs from the recorded episode (made by an older gensim?)"))
    return repairs


def _dataset_views(entries: dict[str, Any]) -> bool:
    """Whether the dataset's recorded episodes carry camera views (the majority says)."""
    flags = [e.views for e in entries.values()]
    return bool(flags) and sum(flags) * 2 > len(flags)
