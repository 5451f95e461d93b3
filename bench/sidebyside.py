"""Side-by-side timing for the bench scripts: every side measured in turn, in the same run.

`alternate(sides, repeats)` calls each side once per round (sides in a fixed order, rounds
`repeats` times, after `warmup` untimed rounds) so that a change in the machine's load touches
every side alike; each side returns `(seconds, label)` (the seconds it timed itself, and e.g.
the verdict's stage). `Side.median` and `ratio` give the table's figures. `in_process(fn)`
times a call of this process; `script_side(root, home, script, ...)` runs a short Python script
in a fresh interpreter with `root` on its path (a baseline revision checked out by
`baseline_tree`) and reads the `[seconds, label]` it prints last. `demos_run(root, home, name,
file, n, out)` times one `gensim demos`-like run there (`DEMOS`, shared by bench_generated_demos
and bench_demos_replay).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
Timed = Callable[[], tuple[float, str]]


@dataclass
class Side:
    """The timings of one side."""

    seconds: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def label(self) -> str:
        return self.labels[-1] if self.labels else ""


def alternate(sides: Mapping[str, Timed], repeats: int, warmup: int = 0) -> dict[str, Side]:
    """Time every side in turn, `repeats` rounds after `warmup` untimed ones."""
    out = {name: Side() for name in sides}
    for round_ in range(warmup + repeats):
        for name, run in sides.items():
            seconds, label = run()
            if round_ >= warmup:
                out[name].seconds.append(float(seconds))
                out[name].labels.append(str(label))
    return out


def ratio(side: Side, baseline: Side) -> float:
    return side.median / baseline.median if baseline.median else float("nan")


def in_process(fn: Callable[[], Any]) -> Timed:
    """A side that times `fn()` here; its label is what `fn` returns."""

    def run() -> tuple[float, str]:
        start = time.perf_counter()
        label = fn()
        return time.perf_counter() - start, str(label)

    return run


def run_script(root: Path, home: str, script: str, *args: str, env: Mapping[str, str] | None = None) -> list[Any]:
    """Run `script` (Python source) in a fresh interpreter on `root`'s code; its last `[...]` line."""
    full_env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "GENSIM_HOME": home, **(env or {})}
    proc = subprocess.run([sys.executable, "-c", script, *args], cwd=root, env=full_env, capture_output=True,
                          text=True, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("[")]
    if not lines:
        raise SystemExit(f"{root.name}: the script printed nothing: {proc.stderr[-300:]}")
    return list(json.loads(lines[-1]))


# Times `make_demos(name, n, workers=1)` into a fresh folder, as one `gensim demos` command; a
# name ending in `-as-generated` is first stored (once per home) as an admitted generated task
# of `file`'s code. Prints [seconds, "<episodes> <digest>", the gensim package it imported].
DEMOS = r"""
import json, sys, time
from pathlib import Path
import gensim, gensim.cli.main  # the task DB as a source of specs
from gensim.data.demos import make_demos
from gensim.db import repository
from gensim.db.session import ensure_schema
name, file, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
if __name__ == "__main__":
    ensure_schema()
    if name.endswith("-as-generated"):
        try:
            repository.get_task(name)
        except Exception:
            repository.add_task_version(name, Path(file).read_text(), "bench", status="admitted")
    start = time.perf_counter()
    report = make_demos(name, n, "train", workers=1, out=Path(out), track=False)
    seconds = time.perf_counter() - start
    if report.episodes != n:
        raise SystemExit(f"{name}: {report.episodes} of {n} episodes")
    print(json.dumps([seconds, f"{report.episodes} {report.digest[:12]}", str(Path(gensim.__file__).parent)]))
"""


def demos_run(root: Path, home: str, name: str, file: Path, n: int, out: Path,
              env: Mapping[str, str] | None = None) -> tuple[float, str]:
    """One run of `DEMOS` on `root`'s code: (seconds, "<episodes> <digest>"). Exits when the
    script imported gensim from anywhere but `root`."""
    seconds, label, package = run_script(root, home, DEMOS, name, str(file), str(n), str(out), env=env)
    if Path(package).resolve() != (root / "gensim").resolve():
        raise SystemExit(f"{root.name}: imported gensim from {package}")
    return float(seconds), str(label)


def script_side(root: Path, home: str, script: str, *args: str, env: Mapping[str, str] | None = None) -> Timed:
    """A side that runs `script` in a fresh interpreter; the script prints `[seconds, label]`."""

    def run() -> tuple[float, str]:
        seconds, label = run_script(root, home, script, *args, env=env)[:2]
        return float(seconds), str(label)

    return run


@contextmanager
def baseline_tree(revision: str, folder: Path) -> Iterator[Path]:
    """`revision` checked out (detached) at `folder/baseline` for the duration."""
    base = folder / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base), revision], check=True)
    try:
        yield base
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
