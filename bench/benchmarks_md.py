"""BENCHMARKS.md blocks that bench scripts rewrite (`--write`): one block between two markers."""

from __future__ import annotations

from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def write_block(begin: str, end: str, heading: str, md: str) -> None:
    """Replace the text between `begin` and `end` with `md`; without the markers, append them
    with `md` under a new `## heading` at the end of the file."""
    text = PATH.read_text(encoding="utf-8")
    block = f"{begin}\n{md}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n"
    PATH.write_text(text, encoding="utf-8")
