"""The keyword half of hybrid search."""

from __future__ import annotations

import pytest

from gensim.retrieval.keywords import KeywordIndex, stem, terms
from gensim.retrieval.records import Doc


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("insertion", "insert"),
        ("insert", "insert"),
        ("stacking", "stack"),
        ("boxes", "box"),
        ("blocks", "block"),
        ("piles", "pile"),
        ("pile", "pile"),
        ("glass", "glass"),
        ("cherries", "cherry"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_terms_drop_stopwords() -> None:
    assert terms("Put the red blocks into a bowl") == ["put", "red", "block", "bowl"]


def test_keyword_scores() -> None:
    docs = [
        Doc(id=1, name="block-insertion", description="Insert the L block into the fixture."),
        Doc(id=2, name="palletizing-boxes", description="Stack boxes on the pallet."),
        Doc(
            id=3,
            name="sweeping-piles",
            description="Push the pile into the zone.",
            tags=("spatula",),
        ),
    ]
    index = KeywordIndex(docs)
    assert index.scores("insertion") == {0: pytest.approx(1.0)}  # name word, exact after stemming
    pallet = index.scores("pallet")
    assert set(pallet) == {1} and 0.7 <= pallet[1] <= 1.0  # description exact / name prefix
    assert index.scores("spatula") == {2: pytest.approx(0.8)}  # tags weigh 0.8
    assert index.scores("quantum banana") == {}
    mixed = index.scores("insert quantum")  # unknown words dilute the score
    assert 0.0 < mixed[0] < 0.6
    assert all(0.0 < v <= 1.0 for v in index.scores("stack the boxes and push the pile").values())


def test_spellings_and_everyday_object_names_meet_the_task_words() -> None:
    """A user's "coloured cubes", "crates" and "heap" find tasks written with "colored blocks",
    "boxes" and "pile"; unrelated words still score nothing."""
    assert terms("coloured cubes in crates") == terms("colored blocks in boxes")
    docs = [
        Doc(id=1, name="sweep-pile", description="Push the pile of small blocks into the zone."),
        Doc(id=2, name="box-stack", description="Stack the colored boxes on the pallet."),
    ]
    index = KeywordIndex(docs)
    assert set(index.scores("a heap of tiny cubes")) == {0}
    crates = index.scores("stack the coloured crates")
    assert max(crates, key=crates.__getitem__) == 1
    assert index.scores("quantum entanglement") == {}
