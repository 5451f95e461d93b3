"""Data of the retrieval tests: a stand-in built-in library, paraphrased and nonsense queries.

The descriptions below paraphrase, in our own words, what the Ravens / CLIPort / GenSim tasks of
the same names do. (To be switched to the registry's docstrings once the built-in library lands.)
"""

from __future__ import annotations

from gensim.retrieval.records import Doc

# name -> (description, tags, assets)
BUILTIN: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "block-insertion": (
        "Pick up the red L-shaped block and insert it into the L-shaped fixture on the table, "
        "matching its position and rotation.",
        ("ravens", "pick-place", "insertion"),
        ("insertion/ell.urdf", "insertion/fixture.urdf"),
    ),
    "place-red-in-green": (
        "Put the red blocks into the green bowls. Blocks and bowls of other colours are "
        "distractors and stay where they are.",
        ("ravens", "pick-place", "bowls", "colors"),
        ("stacking/block.urdf", "bowl/bowl.urdf"),
    ),
    "put-block-in-bowl": (
        "Place each block of the named colour into a bowl of the named colour, ignoring blocks "
        "and bowls of distracting colours.",
        ("cliport", "pick-place", "bowls", "colors", "language"),
        ("stacking/block.urdf", "bowl/bowl.urdf"),
    ),
    "stack-block-pyramid": (
        "Build a pyramid of six blocks on a stand: three blocks on the bottom row, two in the "
        "middle and one on top.",
        ("ravens", "stacking", "blocks"),
        ("stacking/stand.urdf", "stacking/block.urdf"),
    ),
    "stack-block-pyramid-seq": (
        "Stack coloured blocks into a pyramid on the stand one block at a time, following "
        "step-by-step language instructions that name each block's colour and its place.",
        ("cliport", "stacking", "blocks", "language", "sequential"),
        ("stacking/stand.urdf", "stacking/block.urdf"),
    ),
    "towers-of-hanoi": (
        "Move a tower of three disks of decreasing size from one peg of the stand to another, "
        "one disk at a time, never putting a larger disk on a smaller one.",
        ("ravens", "stacking", "planning"),
        ("hanoi/stand.urdf", "hanoi/disk0.urdf", "hanoi/disk1.urdf", "hanoi/disk2.urdf"),
    ),
    "towers-of-hanoi-seq": (
        "Solve the Towers of Hanoi with coloured disks by following language instructions that "
        "say which disk to move onto which peg at each step.",
        ("cliport", "stacking", "planning", "language", "sequential"),
        ("hanoi/stand.urdf", "hanoi/disk0.urdf", "hanoi/disk1.urdf", "hanoi/disk2.urdf"),
    ),
    "align-box-corner": (
        "Pick up a box of random size and place it so that one of its corners lines up with "
        "the L-shaped corner marker drawn on the table.",
        ("ravens", "pick-place", "alignment"),
        ("box/box-template.urdf", "corner/corner-template.urdf"),
    ),
    "palletizing-boxes": (
        "Stack a set of boxes onto a pallet, layer by layer, until the pile of boxes is complete.",
        ("ravens", "stacking", "boxes"),
        ("pallet/pallet.urdf", "box/box-template.urdf"),
    ),
    "assembling-kits": (
        "Pick up shaped pieces such as letters, stars and hearts and fit each one into the "
        "matching cut-out of the kit, with the right orientation.",
        ("ravens", "pick-place", "kitting", "rotation"),
        ("kitting/kit.urdf", "kitting/object-template.urdf"),
    ),
    "assembling-kits-seq": (
        "Put coloured shapes into the matching holes of the kit one by one, in the order given "
        "by the language instructions.",
        ("cliport", "kitting", "language", "sequential"),
        ("kitting/kit.urdf", "kitting/object-template.urdf"),
    ),
    "packing-boxes": (
        "Pack several boxes of different sizes tightly into a larger container so that all of "
        "them fit inside.",
        ("ravens", "packing", "boxes"),
        ("container/container-template.urdf", "box/box-template.urdf"),
    ),
    "packing-boxes-pairs": (
        "Pack the boxes of the two named colours into the brown container and leave the boxes "
        "of the other colours outside.",
        ("cliport", "packing", "boxes", "colors", "language"),
        ("container/container-template.urdf", "box/box-template.urdf"),
    ),
    "packing-shapes": (
        "Among several different shapes on the table, pick the one that is named and put it "
        "inside the brown box.",
        ("cliport", "packing", "kitting", "language"),
        ("container/container-template.urdf", "kitting/object-template.urdf"),
    ),
    "packing-google-objects-seq": (
        "Put everyday objects, scanned Google objects such as toys and kitchen items, into the "
        "brown box one at a time in the order the instructions name them.",
        ("cliport", "packing", "google-objects", "language", "sequential"),
        ("container/container-template.urdf", "google/object-template.urdf"),
    ),
    "packing-google-objects-group": (
        "Pack all the everyday objects of one named category into the brown box and leave the "
        "objects of other categories out.",
        ("cliport", "packing", "google-objects", "language"),
        ("container/container-template.urdf", "google/object-template.urdf"),
    ),
    "manipulating-rope": (
        "Rearrange a deformable rope so that it connects the two end corners of a three-sided "
        "square outline, closing the square.",
        ("ravens", "deformable", "rope"),
        ("square/square-template.urdf", "rope"),
    ),
    "align-rope": (
        "Straighten a deformable rope and lay it along the line between two marked points on "
        "the table.",
        ("cliport", "deformable", "rope", "alignment"),
        ("square/square-template.urdf", "rope"),
    ),
    "sweeping-piles": (
        "Push a pile of small blocks into the target zone on the table using a spatula.",
        ("ravens", "pushing", "piles"),
        ("block/small.urdf", "zone/zone.urdf"),
    ),
    "separating-piles": (
        "Sweep the pile of small blocks into the zone of the named colour, away from the "
        "zone of the other colour.",
        ("cliport", "pushing", "piles", "colors", "language"),
        ("block/small.urdf", "zone/zone.urdf"),
    ),
    "build-car": (
        "Construct a simple car: a body of blocks on a base, with four cylinders placed at "
        "the sides as wheels.",
        ("gensim", "building", "blocks"),
        ("box/box-template.urdf", "cylinder/cylinder-template.urdf"),
    ),
    "build-house": (
        "Build a small house: four blocks as walls on a base and a wide flat block laid on "
        "top of them as the roof.",
        ("gensim", "building", "blocks"),
        ("box/box-template.urdf", "stacking/block.urdf"),
    ),
}

# held-out paraphrases (our words, avoiding the descriptions' phrasing where we can) -> task
PARAPHRASES: list[tuple[str, str]] = [
    ("fit the L piece into its holder", "block-insertion"),
    ("drop the red cubes in the green containers", "place-red-in-green"),
    ("move a cube of a given colour into the matching coloured dish", "put-block-in-bowl"),
    ("make a triangular tower out of six cubes", "stack-block-pyramid"),
    ("build the triangle of cubes step by step as the instructions say", "stack-block-pyramid-seq"),
    (
        "transfer the rings between pegs without ever setting a big one on a small one",
        "towers-of-hanoi",
    ),
    ("solve the hanoi puzzle one instructed move at a time", "towers-of-hanoi-seq"),
    ("line up a corner of the carton with the corner marking", "align-box-corner"),
    ("load cartons onto the pallet in layers", "palletizing-boxes"),
    ("put the letter pieces into the matching slots of the kit board", "assembling-kits"),
    ("insert shapes into the kit one after another in the order told", "assembling-kits-seq"),
    ("fit several cartons snugly inside one bigger box", "packing-boxes"),
    ("put two boxes of the requested colours in the container", "packing-boxes-pairs"),
    ("choose the shape that is asked for and drop it into the box", "packing-shapes"),
    ("place household items in the box in the spoken order", "packing-google-objects-seq"),
    ("gather every item of one category into the box", "packing-google-objects-group"),
    ("arrange the cable so that it closes the open square", "manipulating-rope"),
    ("stretch the cord straight between the two marks", "align-rope"),
    ("shove the little cubes into the goal area with a scraper", "sweeping-piles"),
    ("brush the heap of bits into the zone of the right colour", "separating-piles"),
    ("assemble a toy vehicle with wheels", "build-car"),
    ("make a little home with walls and a roof", "build-house"),
    ("insertion", "block-insertion"),
    ("hanoi", "towers-of-hanoi"),
    ("pallet", "palletizing-boxes"),
]

NONSENSE = [
    "quantum banana tax law",
    "medieval poetry about the ocean",
    "how to file an insurance claim",
    "weather forecast for tomorrow in paris",
    "stock market crash of 1929",
]


def builtin_docs() -> list[Doc]:
    """The stand-in built-in library as `Doc`s (ids 1..22 in the order above)."""
    return [
        Doc(id=i, name=name, description=desc, tags=tags, assets=assets)
        for i, (name, (desc, tags, assets)) in enumerate(BUILTIN.items(), start=1)
    ]
