"""Which home folder is in force, and why (standard library only: it runs at every start-up).

The rule, as git finds its `.git`:
1. `GENSIM_HOME`, when set;
2. else the nearest `.gensim` folder in the current folder or one of its parents;
3. else a new `.gensim` in the current folder. It is created the first time something is
   stored (not by `--help`, `gensim config` or a usage error), and its creation is announced
   once on stderr, so a home never appears silently.

`gensim config` prints the choice and its reason. The console script resolves the home once and
exports it as `GENSIM_HOME`, so that workers and later settings reads agree with it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOME_FOLDER = ".gensim"  # the folder name looked for in the current folder and its parents
ENV_VAR = "GENSIM_HOME"


@dataclass(frozen=True)
class HomeChoice:
    """The home in force: its absolute path, how it was chosen (`env`, `found`, `new`), and why."""

    path: Path
    source: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": str(self.path), "source": self.source, "reason": self.reason}


def find_home(cwd: Path | None = None, environ: dict[str, str] | None = None) -> HomeChoice:
    """The home that a command started in `cwd` (default: the current folder) uses."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR)
    if value:
        return HomeChoice(Path(value).expanduser().resolve(), "env", f"set by {ENV_VAR}")
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        candidate = folder / HOME_FOLDER
        if candidate.is_dir():
            where = "in the current folder" if folder == start else f"in {folder}, above the current folder"
            return HomeChoice(candidate, "found", f"nearest {HOME_FOLDER} ({where})")
    return HomeChoice(start / HOME_FOLDER, "new",
                      f"no {ENV_VAR} set and no {HOME_FOLDER} in {start} or above: a new home here")


_chosen: HomeChoice | None = None  # what the console script resolved at start-up
_looking = False  # inside `looking_only()`: paths are computed, nothing is created


def choose_for_process() -> HomeChoice:
    """Resolve the home for this process (console script start-up) and export it as GENSIM_HOME."""
    global _chosen
    _chosen = find_home()
    os.environ[ENV_VAR] = str(_chosen.path)
    return _chosen


def current_choice() -> HomeChoice:
    """The choice made at start-up, or the one the environment and current folder give now."""
    return _chosen if _chosen is not None else find_home()


def announce_if_new(path: Path) -> None:
    """Create the new home chosen at start-up the first time it is used, and say so once."""
    global _chosen
    if _looking or _chosen is None or _chosen.source != "new" or path != _chosen.path:
        return
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    _chosen = HomeChoice(path, "found", "created by this command")
    if created:
        sys.stderr.write(f"gensim: created a new home {path} (no {ENV_VAR} set and no {HOME_FOLDER} "
                         f"here or above; later commands from here or below use it; see `gensim config`)\n")
        sys.stderr.flush()


@contextmanager
def looking_only() -> Iterator[None]:
    """Compute locations without creating a new home (for `gensim config`)."""
    global _looking
    before, _looking = _looking, True
    try:
        yield
    finally:
        _looking = before
