"""Asset paths, template filling and the placeholder fallbacks of `add_object`.

Templates are URDF texts with placeholders `K<i>` (`DIM0`, `HALF2`, `FNAME0`, `COLOR1` ...).
`fill_template` writes a filled copy to a scratch folder: the environment's own temporary folder
(removed by `Environment.close`) when it passes one, otherwise one folder per process, removed at
interpreter exit. Relative mesh paths inside a template are rewritten to absolute paths so that
the copy still finds its meshes from another folder.
"""

from __future__ import annotations

import atexit
import random
import re
import shutil
import string
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gensim.sim.colors import COLORS, resolve_color

TEMPLATE_SUFFIX = "-template"
# Unfilled size placeholders: DIM0, DIMX1, HALF2 ... (the key, then the index).
SIZE_PLACEHOLDER = re.compile(r"\b(DIM|HALF)([XYZ]?)(\d+)\b")
_FILENAME_ATTR = re.compile(r'filename="([^"]+)"')

_process_scratch: Path | None = None


def default_assets_root() -> str:
    """The packaged asset folder, `gensim/assets`."""
    return str(Path(__file__).resolve().parent.parent / "assets")


def process_scratch_dir() -> Path:
    """A temporary folder for filled templates of this process, removed at interpreter exit."""
    global _process_scratch
    if _process_scratch is None or not _process_scratch.exists():
        _process_scratch = Path(tempfile.mkdtemp(prefix="gensim-templates-"))
        atexit.register(shutil.rmtree, _process_scratch, True)
    return _process_scratch


def resolve_path(assets_root: str, rel_path: str | Path) -> Path:
    """`rel_path` under `assets_root` (an absolute `rel_path` is kept as it is)."""
    return Path(assets_root) / rel_path


def untemplated(path: Path) -> Path | None:
    """The same path without "-template" in the file name, or None when there is none."""
    if TEMPLATE_SUFFIX not in path.name:
        return None
    return path.with_name(path.name.replace(TEMPLATE_SUFFIX, ""))


def _values(key: str, value: Any) -> list[Any]:
    """The replacement values of one key: a colour name becomes its RGB components."""
    if isinstance(value, str):
        value = [value]
    elif not isinstance(value, Sequence) and not isinstance(value, np.ndarray):
        value = [value]
    values = list(value)
    if key.upper().startswith("COLOR") and values and isinstance(values[0], str):
        if values[0].strip().lower() in COLORS or len(values) == 1:
            values = list(resolve_color(values[0])[:3]) + values[1:]
    return values


def _format(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return str(value)


def fill_text(text: str, replace: Mapping[str, Any]) -> str:
    """Replace `K<i>` by the i-th value of `replace[K]` for every key (longest keys first)."""
    for key in sorted(replace, key=len, reverse=True):
        values = _values(key, replace[key])
        # Highest index first so that DIM1 does not eat the front of DIM10.
        for i in reversed(range(len(values))):
            text = re.sub(rf"\b{re.escape(key)}{i}\b", _format(values[i]), text)
    return text


def absolutize_mesh_paths(text: str, folder: Path) -> str:
    """Rewrite relative `filename="..."` references to absolute paths under `folder`."""

    def fix(match: re.Match[str]) -> str:
        name = match.group(1)
        if "://" in name or Path(name).is_absolute() or SIZE_PLACEHOLDER.search(name):
            return match.group(0)
        if re.fullmatch(r"[A-Z]+\d+", name):  # an unfilled placeholder such as FNAME0
            return match.group(0)
        return f'filename="{(folder / name).resolve()}"'

    return _FILENAME_ATTR.sub(fix, text)


def write_filled(text: str, stem: str, out_dir: Path | None) -> str:
    """Write `text` under a fresh unique name in `out_dir` (or the process scratch folder)."""
    folder = out_dir if out_dir is not None else process_scratch_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.{uuid.uuid4().hex[:12]}.urdf"
    path.write_text(text)
    return str(path)


_FILLED_NAME = re.compile(r"(?:^|.*/)([^/]+)\.[0-9a-f]{12}\.urdf$")


def shown_name(urdf: str | Path) -> str:
    """`urdf` as a message shows it: a filled copy (`write_filled`'s random name in a temporary
    folder) as `filled <stem>.urdf`, so that what an episode records does not depend on the run."""
    match = _FILLED_NAME.fullmatch(str(urdf))
    return f"filled {match.group(1)}.urdf" if match else str(urdf)


def fill_template(
    assets_root: str,
    template_rel_path: str | Path,
    replace_dict: Mapping[str, Any],
    out_dir: Path | None = None,
    warnings: list[str] | None = None,
) -> str:
    """The path of a filled copy of a template.

    For each key K and index i of `replace_dict`, the text `K<i>` is replaced by the i-th value
    (a scalar counts as one value; a colour name is accepted for COLOR). A missing template is
    looked up without "-template" in its name. When neither exists, the unfilled path is
    returned (and a warning appended), so that `add_object` applies its missing-asset fallback.
    """
    path = resolve_path(assets_root, template_rel_path)
    if not path.is_file():
        plain = untemplated(path)
        if plain is not None and plain.is_file():
            if warnings is not None:
                warnings.append(f"template {template_rel_path} not found: used {plain.name}")
            path = plain
        else:
            if warnings is not None:
                warnings.append(f"template {template_rel_path} not found")
            return str(path)
    text = absolutize_mesh_paths(fill_text(path.read_text(), replace_dict), path.parent)
    return write_filled(text, path.stem.replace(TEMPLATE_SUFFIX, ""), out_dir)


NAME_ALPHABET = string.ascii_lowercase + string.digits
NAME_DRAWS = 16


def reference_name_draws() -> None:
    """The draws the reference spends naming a filled copy (`random.choices` of 16 characters
    from Python's global `random`), spent here too: our copies are named otherwise, but task
    code that draws from `random` after filling a template (a colour, a sample) must get what
    it gets there."""
    random.choices(NAME_ALPHABET, k=NAME_DRAWS)


# The reference's fill of placeholders a task left unfilled: for each key in this order that
# still occurs in the text, three draws in its range fill `<key>0..2`.
REFERENCE_FILL = (("DIMH", 0.03, 0.05), ("DIMR", 0.03, 0.05), ("DIMX", 0.03, 0.05), ("DIMY", 0.03, 0.05),
                  ("DIMZ", 0.03, 0.05), ("DIM", 0.03, 0.05), ("HALF", 0.01, 0.03))


def reference_fill_draws(text: str, rng: Any) -> dict[str, float]:
    """The values the reference's dummy fill gives `<key><i>` placeholders of `text`, with its
    draws in its order (three per key still present, even if fewer are used: `DIMX` also
    counts as `DIM` while it is unreplaced), so the episode's later draws stay the reference's."""
    values: dict[str, float] = {}
    for key, low, high in REFERENCE_FILL:
        if key not in text:
            continue
        for i, value in enumerate(np.asarray(rng.uniform(low, high, size=3), dtype=float).tolist()):
            values[f"{key}{i}"] = float(value)
            text = text.replace(f"{key}{i}", repr(float(value)))
    return values


def fill_size_placeholders(text: str, rng: Any, original: str | None = None) -> tuple[str, dict[str, float]]:
    """Fill unfilled DIM<i> (and DIMX<i> ...) with the reference's values for them (3 to 5 cm,
    drawn as `reference_fill_draws`), and HALF<i> with half of the matching DIM<i> when that was
    drawn too: the reference draws HALF independently (1 to 3 cm), which can make a container's
    walls miss its floor; the draws are still made, and used when the size was the task's. `original` is the text before the task's own values went
    in (the reference draws for what the file had), by default `text`.

    Returns the text and the values used (by placeholder), for the warning message.
    """
    drawn = reference_fill_draws(text if original is None else original, rng)
    used: dict[str, float] = {}

    def dim(axis: str, index: str) -> float | None:
        return drawn.get(f"DIM{axis}{index}", drawn.get(f"DIM{index}"))

    def fill(match: re.Match[str]) -> str:
        kind, axis, index = match.groups()
        full = dim(axis, index)
        if kind == "DIM":
            value = full if full is not None else 0.04
        else:  # half the matching size; the reference's own draw when that size was given
            value = full / 2 if full is not None else drawn.get(f"HALF{index}", 0.02)
        used[match.group(0)] = value
        return _format(value)

    return SIZE_PLACEHOLDER.sub(fill, text), used
