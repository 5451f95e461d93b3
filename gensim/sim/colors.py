"""Named colours (RGB in [0, 1]) and the resolution of colour arguments.

`COLORS` uses the names of the task convention; `gensim.tasks.utils.COLORS` reuses this table.
The values are this project's own palette: saturated enough to tell apart in a 3 mm/pixel
top-down image, none of them close to the dark grey of the workspace.
"""

from __future__ import annotations

from collections.abc import Sequence

COLORS: dict[str, tuple[float, float, float]] = {
    "blue": (0.26, 0.45, 0.80),
    "red": (0.86, 0.22, 0.20),
    "green": (0.30, 0.68, 0.30),
    "orange": (0.96, 0.56, 0.14),
    "yellow": (0.95, 0.84, 0.25),
    "purple": (0.55, 0.36, 0.70),
    "pink": (0.98, 0.60, 0.72),
    "cyan": (0.35, 0.80, 0.85),
    "brown": (0.58, 0.40, 0.24),
    "white": (0.96, 0.96, 0.96),
    "gray": (0.60, 0.60, 0.60),
    "grey": (0.60, 0.60, 0.60),
    "indigo": (0.29, 0.20, 0.55),
    "violet": (0.72, 0.45, 0.88),
    "black": (0.08, 0.08, 0.08),
    "silver": (0.78, 0.79, 0.82),
    "gold": (0.86, 0.70, 0.20),
}

TRAIN_COLORS: tuple[str, ...] = ("blue", "red", "green", "yellow", "brown", "gray", "cyan")
EVAL_COLORS: tuple[str, ...] = ("blue", "red", "green", "orange", "purple", "pink", "white")

FALLBACK_COLOR = "red"  # the convention's answer to an unknown colour name


def resolve_color(
    value: str | Sequence[float], warnings: list[str] | None = None
) -> tuple[float, float, float, float]:
    """An RGBA tuple from a colour name, an RGB or an RGBA sequence.

    Values above 1 are taken as 0-255 components. An unknown name gives red and, when a
    `warnings` list is passed, appends a readable message to it.
    """
    if isinstance(value, str):
        key = value.strip().lower()
        if key not in COLORS:
            if warnings is not None:
                warnings.append(f"unknown colour name '{value}': used {FALLBACK_COLOR}")
            key = FALLBACK_COLOR
        return (*COLORS[key], 1.0)
    comps = [float(c) for c in value]
    if len(comps) not in (3, 4):
        if warnings is not None:
            warnings.append(f"colour {list(value)!r} is not RGB or RGBA: used {FALLBACK_COLOR}")
        return (*COLORS[FALLBACK_COLOR], 1.0)
    if max(comps) > 1.5:  # 0-255 components; a little above 1 is rounding noise
        comps = [c / 255.0 for c in comps]
    if len(comps) == 3:
        comps.append(1.0)
    r, g, b, a = (min(max(c, 0.0), 1.0) for c in comps)
    return (r, g, b, a)
