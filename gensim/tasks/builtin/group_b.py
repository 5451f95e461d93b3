"""Built-in tasks of group B (kits, packing, rope, piles), registered as data.

Colour variants of the CLIPort tasks are separate specs: `-seen-colors` always draws from the
seen (training) colours, `-unseen-colors` from the seen colours in training and the unseen ones
otherwise, `-full` from both sets.
"""

from __future__ import annotations

from gensim.tasks.spec import TaskSpec

_MODULE = "gensim.tasks.builtin"


def _spec(name: str, entry: str, *tags: str) -> TaskSpec:
    return TaskSpec(name=name, entry_point=f"{_MODULE}.{entry}", tags=tags)


def _color_variants(name: str, module: str, cls: str, *tags: str) -> list[TaskSpec]:
    """The CLIPort colour variants of one task: `-seen-colors`, `-unseen-colors`, `-full`."""
    return [
        _spec(f"{name}-seen-colors", f"{module}:{cls}SeenColors", *tags, "seen-colors"),
        _spec(f"{name}-unseen-colors", f"{module}:{cls}UnseenColors", *tags, "unseen-colors"),
        _spec(f"{name}-full", f"{module}:{cls}Full", *tags, "all-colors"),
    ]


SPECS: list[TaskSpec] = [
    _spec("assembling-kits", "assembling_kits:AssemblingKits", "ravens", "pick-place", "kitting"),
    _spec("assembling-kits-easy", "assembling_kits:AssemblingKitsEasy", "ravens", "pick-place", "kitting"),
    *_color_variants(
        "assembling-kits-seq", "assembling_kits_seq", "AssemblingKitsSeq",
        "cliport", "pick-place", "kitting", "sequential", "colors",
    ),
    _spec("packing-boxes", "packing_boxes:PackingBoxes", "ravens", "pick-place", "packing", "boxes"),
    *_color_variants(
        "packing-boxes-pairs", "packing_boxes_pairs", "PackingBoxesPairs",
        "cliport", "pick-place", "packing", "boxes", "colors",
    ),
    _spec("packing-shapes", "packing_shapes:PackingShapes", "cliport", "pick-place", "packing", "kitting"),
    _spec(
        "packing-google-objects-seq", "packing_google_objects:PackingGoogleObjectsSeq",
        "cliport", "pick-place", "packing", "google-objects", "sequential",
    ),
    _spec(
        "packing-google-objects-group", "packing_google_objects:PackingGoogleObjectsGroup",
        "cliport", "pick-place", "packing", "google-objects",
    ),
    *[
        _spec(f"packing-{split}-google-objects-{kind}",
              f"packing_google_objects:Packing{split.title()}GoogleObjects{kind.title()}",
              "cliport", "pick-place", "packing", "google-objects", f"{split}-objects",
              *(("sequential",) if kind == "seq" else ()))
        for split in ("seen", "unseen") for kind in ("seq", "group")
    ],
    _spec("manipulating-rope", "manipulating_rope:ManipulatingRope", "ravens", "rope", "deformable"),
    _spec("align-rope", "align_rope:AlignRope", "cliport", "rope", "deformable"),
    _spec("sweeping-piles", "sweeping_piles:SweepingPiles", "ravens", "push", "piles"),
    *_color_variants(
        "separating-piles", "separating_piles", "SeparatingPiles",
        "cliport", "push", "piles", "colors",
    ),
]
