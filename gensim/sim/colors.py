"""Named colours (RGB in [0, 1]) and the resolution of colour arguments.

`COLORS` uses the names and the RGB values of the task convention (CLIPort's Tableau-like
palette, as GenSim's reference environment defines them), so that images and recorded colours
match the reference's; `gensim.tasks.utils.COLORS` reuses this table.
"""

from __future__ import annotations

from collections.abc import Sequence


def _rgb(r: int, g: int, b: int) -> tuple[float, float, float]:
    return (r / 255.0, g / 255.0, b / 255.0)


# 0-255 components, as the reference lists them.
COLORS: dict[str, tuple[float, float, float]] = {
    "blue": _rgb(78, 121, 167),
    "red": _rgb(255, 87, 89),
    "green": _rgb(89, 169, 78),
    "orange": _rgb(242, 142, 43),
    "yellow": _rgb(237, 201, 72),
    "purple": _rgb(176, 122, 161),
    "pink": _rgb(255, 157, 167),
    "cyan": _rgb(118, 183, 178),
    "brown": _rgb(156, 117, 95),
    "white": _rgb(255, 255, 255),
    "gray": _rgb(186, 176, 172),
    "grey": _rgb(186, 176, 172),  # an alias the reference lacks (it would give red there)
    "indigo": _rgb(75, 0, 130),
    "violet": _rgb(143, 0, 255),
    "black": _rgb(0, 0, 0),
    "silver": _rgb(192, 192, 192),
    "gold": _rgb(255, 215, 0),
}

TRAIN_COLORS: tuple[str, ...] = ("blue", "red", "green", "yellow", "brown", "gray", "cyan")
EVAL_COLORS: tuple[str, ...] = ("blue", "red", "green", "orange", "purple", "pink", "white")

FALLBACK_RGB = (1.0, 0.0, 0.0)  # the convention's answer to an unknown colour name: pure red


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
                warnings.append(f"unknown colour name '{value}': used pure red")
            return (*FALLBACK_RGB, 1.0)
        return (*COLORS[key], 1.0)
    comps = [float(c) for c in value]
    if len(comps) not in (3, 4):
        if warnings is not None:
            warnings.append(f"colour {list(value)!r} is not RGB or RGBA: used pure red")
        return (*FALLBACK_RGB, 1.0)
    if max(comps) > 1.5:  # 0-255 components; a little above 1 is rounding noise
        comps = [c / 255.0 for c in comps]
    if len(comps) == 3:
        comps.append(1.0)
    r, g, b, a = (min(max(c, 0.0), 1.0) for c in comps)
    return (r, g, b, a)
