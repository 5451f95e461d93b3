"""Built-in tasks of group A (blocks, bowls, stacks, pallets, targets), registered as data.

Colour variants of the CLIPort tasks are separate specs: `-seen-colors` always draws from the
seen (training) colours, `-unseen-colors` from the seen colours in training and the unseen ones
otherwise, `-full` from both sets.
"""

from __future__ import annotations

from gensim.tasks.spec import TaskSpec

_PACKAGE = "gensim.tasks.builtin"


def _spec(name: str, module: str, cls: str, *tags: str) -> TaskSpec:
    return TaskSpec(name=name, entry_point=f"{_PACKAGE}.{module}:{cls}", tags=tags)


def _color_variants(name: str, module: str, cls: str, *tags: str) -> list[TaskSpec]:
    return [
        _spec(f"{name}-seen-colors", module, f"{cls}SeenColors", *tags, "seen-colors"),
        _spec(f"{name}-unseen-colors", module, f"{cls}UnseenColors", *tags, "unseen-colors"),
        _spec(f"{name}-full", module, f"{cls}Full", *tags, "all-colors"),
    ]


SPECS: list[TaskSpec] = [
    _spec(
        "block-insertion",
        "block_insertion",
        "BlockInsertion",
        "ravens",
        "pick-place",
        "insertion",
        "rotation",
    ),
    *[
        _spec(f"block-insertion-{suffix}", "block_insertion", f"BlockInsertion{cls}", "ravens",
              "pick-place", "insertion", *extra)
        for suffix, cls, extra in (
            ("easy", "Easy", ()), ("nofixture", "NoFixture", ("rotation",)),
            ("sixdof", "SixDof", ("rotation", "6dof")), ("translation", "Translation", ()),
        )
    ],
    _spec(
        "place-red-in-green",
        "place_red_in_green",
        "PlaceRedInGreen",
        "ravens",
        "pick-place",
        "blocks",
        "bowls",
    ),
    *_color_variants(
        "put-block-in-bowl",
        "put_block_in_bowl",
        "PutBlockInBowl",
        "cliport",
        "pick-place",
        "blocks",
        "bowls",
        "language",
    ),
    _spec(
        "stack-block-pyramid",
        "stack_block_pyramid",
        "StackBlockPyramid",
        "ravens",
        "pick-place",
        "blocks",
        "stacking",
    ),
    *_color_variants(
        "stack-block-pyramid-seq",
        "stack_block_pyramid_seq",
        "StackBlockPyramidSeq",
        "cliport",
        "pick-place",
        "blocks",
        "stacking",
        "sequential",
        "language",
    ),
    _spec(
        "towers-of-hanoi",
        "towers_of_hanoi",
        "TowersOfHanoi",
        "ravens",
        "pick-place",
        "hanoi",
        "sequential",
    ),
    *_color_variants(
        "towers-of-hanoi-seq",
        "towers_of_hanoi_seq",
        "TowersOfHanoiSeq",
        "cliport",
        "pick-place",
        "hanoi",
        "sequential",
        "language",
    ),
    _spec(
        "align-box-corner",
        "align_box_corner",
        "AlignBoxCorner",
        "ravens",
        "pick-place",
        "boxes",
        "rotation",
    ),
    _spec(
        "palletizing-boxes",
        "palletizing_boxes",
        "PalletizingBoxes",
        "ravens",
        "pick-place",
        "boxes",
        "stacking",
        "pallet",
    ),
    _spec(
        "build-car",
        "build_car",
        "BuildCar",
        "gensim",
        "target",
        "pick-place",
        "blocks",
        "cylinders",
        "assembly",
    ),
    _spec(
        "build-house",
        "build_house",
        "BuildHouse",
        "gensim",
        "target",
        "pick-place",
        "boxes",
        "stacking",
        "assembly",
    ),
]
