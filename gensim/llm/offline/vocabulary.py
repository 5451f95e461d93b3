"""What the offline composer knows: objects, colours, relations and layouts of tabletop tasks.

Layouts are lists of parts at offsets (metres) in the frame of a base marker; each part belongs
to a named group, so a curriculum can ask for a sub-structure (a group, or a prefix of groups)
before the whole layout. Sizes follow the packaged assets (see gensim/assets/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

BLOCK = 0.04  # edge of the standard block (m)


@dataclass(frozen=True)
class Shape:
    """A kind of object the composer can put on the table."""

    name: str  # word used in names and descriptions
    urdf: str  # asset path relative to assets_root
    size: tuple[float, float, float]  # full extents (m)
    symmetry: str  # yaw symmetry as code text: "np.pi / 2", "2 * np.pi", "np.pi"
    template: dict[str, tuple[float, ...]] | None = None  # placeholder values for templates
    stackable: bool = True  # whether something can rest on its top


SHAPES: dict[str, Shape] = {
    "block": Shape("block", "block/block.urdf", (BLOCK, BLOCK, BLOCK), "np.pi / 2"),
    "cube": Shape("cube", "stacking/block.urdf", (BLOCK, BLOCK, BLOCK), "np.pi / 2"),
    "long-box": Shape(
        "long box", "box/box-template.urdf", (0.12, 0.04, 0.03), "np.pi",
        template={"DIM": (0.12, 0.04, 0.03)},
    ),
    "flat-box": Shape(
        "flat box", "box/box-template.urdf", (0.12, 0.07, 0.02), "np.pi",
        template={"DIM": (0.12, 0.07, 0.02)},
    ),
    "chassis": Shape(
        "box", "box/box-template.urdf", (0.12, 0.06, 0.03), "np.pi",
        template={"DIM": (0.12, 0.06, 0.03)},
    ),
    "cylinder": Shape(
        "cylinder", "cylinder/cylinder-template.urdf", (0.04, 0.04, 0.04), "2 * np.pi",
        template={"DIM": (0.02, 0.02, 0.04)},  # DIM0 is the radius
    ),
    "ball": Shape(
        "ball", "ball/ball-template.urdf", (0.04, 0.04, 0.04), "2 * np.pi",
        template={"DIM": (0.02, 0.02, 0.02)}, stackable=False,  # DIM0 is the radius
    ),
}

# Containers and markers (fixed bodies).
BASES: dict[str, tuple[str, tuple[float, float, float]]] = {
    "zone": ("zone/zone.urdf", (0.12, 0.12, 0.0)),
    "pallet": ("pallet/pallet.urdf", (0.3, 0.25, 0.02)),
    "bowl": ("bowl/bowl.urdf", (0.12, 0.12, 0.0)),
    "line": ("line/single-green-line-template.urdf", (0.3, 0.01, 0.0)),
}

COLORS = ["red", "green", "blue", "yellow", "orange", "purple", "pink", "cyan", "brown", "gray"]


@dataclass(frozen=True)
class Part:
    """One object of a layout: its shape, where it goes (base frame), and the group it belongs to."""

    shape: str
    offset: tuple[float, float, float]
    group: str


def _tower(n: int) -> list[Part]:
    return [Part("block", (0.0, 0.0, BLOCK / 2 + i * BLOCK), "tower") for i in range(n)]


def _pyramid() -> list[Part]:
    gap = BLOCK + 0.01
    base = [Part("block", (0.0, (i - 1) * gap, BLOCK / 2), "base row") for i in range(3)]
    middle = [Part("block", (0.0, (i - 0.5) * gap, 1.5 * BLOCK), "middle row") for i in range(2)]
    return base + middle + [Part("block", (0.0, 0.0, 2.5 * BLOCK), "top")]


def _wall(width: int, height: int) -> list[Part]:
    gap = BLOCK + 0.005
    return [
        Part("block", (0.0, (i - (width - 1) / 2) * gap, BLOCK / 2 + j * BLOCK), f"course {j + 1}")
        for j in range(height)
        for i in range(width)
    ]


def _row(shape: str, n: int, spacing: float = 0.06) -> list[Part]:
    return [Part(shape, (0.0, (i - (n - 1) / 2) * spacing, 0.02), "row") for i in range(n)]


def _circle(shape: str, n: int, radius: float = 0.09) -> list[Part]:
    import math

    return [
        Part(shape, (radius * math.cos(2 * math.pi * i / n), radius * math.sin(2 * math.pi * i / n), 0.02), "ring")
        for i in range(n)
    ]


def _car() -> list[Part]:
    chassis = [Part("chassis", (0.0, 0.0, 0.015), "chassis")]
    wheels = [
        Part("cylinder", (sx * 0.04, sy * 0.06, 0.02), "wheels") for sx in (-1, 1) for sy in (-1, 1)
    ]
    return chassis + wheels + [Part("block", (0.0, 0.0, 0.03 + BLOCK / 2), "cabin")]


def _house() -> list[Part]:
    walls = [Part("block", (0.0, sy * 0.035, BLOCK / 2 + j * BLOCK), "walls") for j in range(2) for sy in (-1, 1)]
    return walls + [Part("flat-box", (0.0, 0.0, 2 * BLOCK + 0.01), "roof")]


def _bridge() -> list[Part]:
    pillars = [Part("block", (0.0, sy * 0.04, BLOCK / 2), "pillars") for sy in (-1, 1)]
    return pillars + [Part("long-box", (0.0, 0.0, BLOCK + 0.015), "deck")]


# name -> (parts, base marker, words that call it)
LAYOUTS: dict[str, tuple[list[Part], str, tuple[str, ...]]] = {
    "tower": (_tower(3), "zone", ("tower", "stack", "column")),
    "tall-tower": (_tower(8), "zone", ("skyscraper",)),  # deliberately too tall: 32 cm
    "pyramid": (_pyramid(), "pallet", ("pyramid", "triangle")),
    "wall": (_wall(3, 2), "pallet", ("wall", "fence")),
    "row": (_row("block", 4), "line", ("row", "line", "align")),
    "circle": (_circle("block", 4), "zone", ("circle", "ring", "around")),
    "car": (_car(), "zone", ("car", "vehicle", "truck")),
    "house": (_house(), "pallet", ("house", "home", "hut")),
    "bridge": (_bridge(), "zone", ("bridge", "arch")),
}


def layout_for_target(target: str) -> str | None:
    """The layout a target name asks for (`build-car` -> `car`), or None when none fits."""
    words = target.replace("_", "-").split("-")
    for name, (_, _, calls) in LAYOUTS.items():
        if name in words or any(c in words for c in calls):
            return name
    return None
