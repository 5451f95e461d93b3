"""`DemoReader`: read a dataset folder written by `DatasetWriter` (no torch needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gensim.data.format import EPISODE_GLOB, EpisodeFile, read_meta_json
from gensim.data.manifest import require_intact
from gensim.data.writer import HEADER
from gensim.errors import UsageError


class DemoReader:
    """The episodes of one dataset folder, in seed order.

    `steps()` lists `(episode, step)` for every action, the unit the torch dataset samples.
    Step counts come from each file's `meta` (read once, without decompressing images).
    """

    def __init__(self, root: Path | str, *, verify: bool = False) -> None:
        """Open the folder; `BadDatasetError` names its bad episodes (missing or resized files
        always, checksum mismatches too when `verify`, which reads every file)."""
        self.root = Path(root)
        header = self.root / HEADER
        if not header.is_file():
            raise UsageError(f"not a gensim dataset folder (no {HEADER}): {self.root}")
        self.header: dict[str, Any] = json.loads(header.read_text())
        require_intact(self.root, quick=not verify)
        self.paths = sorted((self.root / "episodes").glob(EPISODE_GLOB))
        self._metas: list[dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def task(self) -> str:
        return str(self.header.get("task", ""))

    def metas(self) -> list[dict[str, Any]]:
        """Per-episode metadata (seed, steps, success, timings, ...), cached."""
        if self._metas is None:
            self._metas = [read_meta_json(p) for p in self.paths]
        return self._metas

    def episode(self, index: int) -> EpisodeFile:
        """The episode at `index` (seed order); the caller closes it."""
        return EpisodeFile(self.paths[index])

    def __iter__(self) -> Iterator[EpisodeFile]:
        for index in range(len(self)):
            yield self.episode(index)

    def steps(self) -> list[tuple[int, int]]:
        """(episode index, action index) of every action in the dataset."""
        return [(i, t) for i, meta in enumerate(self.metas()) for t in range(int(meta["steps"]))]

    def seeds(self) -> list[int]:
        return [int(m["seed"]) for m in self.metas()]
