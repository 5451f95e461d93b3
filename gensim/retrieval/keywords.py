"""The keyword half of hybrid search: IDF-weighted term matching on names, tags, descriptions.

Words are folded onto one spelling first (`CANONICAL`: "colour" ~ "color", "cube" ~ "block").
A query term counts for a task when it equals a word of the task (after light stemming:
"insertion" ~ "insert", "stacking" ~ "stack", "boxes" ~ "box") or is a prefix of it, or the
other way round, with at least 4 letters ("pallet" ~ "palletizing"). Words of the task name
weigh most, then tags, then the description. The score of a task is the IDF-weighted share of
the query's terms it matches, in [0, 1]; terms no task knows ("quantum") weigh the most, so a
query made of them scores 0 everywhere.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Sequence

from gensim.retrieval.records import Doc

FIELD_WEIGHTS = {"name": 1.0, "tags": 0.8, "description": 0.7}  # match weight per field
PREFIX_MATCH = 0.8  # a prefix match counts this much of an exact one
MIN_PREFIX = 4  # letters a stem needs to match as a prefix

STOPWORDS = frozenset(
    """a an the of in on into onto to and or with without each every all then them it its
    that this these those for from by at is are be as so one ones some any other others
    task tasks robot please where which while using use make sure there their they you your
    i me my we our can should will must up down over off out given""".split()
)
# Words folded onto one spelling before stemming, for the query and the tasks alike: British
# spellings, and everyday names of the objects a tabletop task library is made of (a user asks
# for "cubes" and "crates"; task files say "blocks" and "boxes").
CANONICAL = {
    "colour": "color", "colours": "colors", "coloured": "colored", "multicoloured": "multicolored",
    "grey": "gray", "centre": "center", "centred": "centered", "centres": "centers",
    "cube": "block", "cubes": "blocks", "brick": "block", "bricks": "blocks",
    "crate": "box", "crates": "boxes", "sphere": "ball", "spheres": "balls",
    "heap": "pile", "heaps": "piles", "tube": "cylinder", "tubes": "cylinders",
    "dish": "bowl", "dishes": "bowls", "bin": "container", "bins": "containers",
    "tray": "pallet", "trays": "pallets", "cord": "rope", "cable": "rope", "cables": "ropes",
}
_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ers", "er", "ed", "ies", "es", "s")
_WORD_RE = re.compile(r"[a-z0-9]+")


def stem(word: str) -> str:
    """A light stemmer: enough to make inflections of one word meet, not a linguist's one."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "es" and not word[:-2].endswith(("x", "ch", "sh", "ss", "z")):
                continue
            if suffix == "s" and word.endswith("ss"):
                continue
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Stemmed content words of a text, in order, without stopwords."""
    return [stem(CANONICAL.get(w, w)) for w in _WORD_RE.findall(text.lower()) if w not in STOPWORDS]


def _match(query_term: str, doc_term: str) -> float:
    if query_term == doc_term:
        return 1.0
    shorter = min(len(query_term), len(doc_term))
    if shorter >= MIN_PREFIX and (
        doc_term.startswith(query_term) or query_term.startswith(doc_term)
    ):
        return PREFIX_MATCH
    return 0.0


class KeywordIndex:
    """Inverted index over the docs' fields; `scores` gives every doc's keyword score."""

    def __init__(self, docs: Sequence[Doc]) -> None:
        self.n_docs = len(docs)
        # term -> {doc row: best field weight of that term in the doc}
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        self._vocab: list[str] = []
        for row, doc in enumerate(docs):
            fields = {
                "name": doc.title,
                "tags": " ".join(doc.tags),
                "description": doc.description,
            }
            for field, text in fields.items():
                weight = FIELD_WEIGHTS[field]
                for term in terms(text):
                    posting = self._postings[term]
                    posting[row] = max(posting.get(row, 0.0), weight)
        self._vocab = sorted(self._postings)

    def _matching_terms(self, q: str) -> list[str]:
        """Library terms equal to `q`, starting with it, or prefixes of it (>= MIN_PREFIX)."""
        found = [q] if q in self._postings else []
        if len(q) >= MIN_PREFIX:
            start = bisect.bisect_right(self._vocab, q)
            while start < len(self._vocab) and self._vocab[start].startswith(q):
                found.append(self._vocab[start])
                start += 1
            found.extend(q[:i] for i in range(MIN_PREFIX, len(q)) if q[:i] in self._postings)
        return found

    def scores(self, query: str) -> dict[int, float]:
        """Doc row -> keyword score in (0, 1], for the docs that match any query term."""
        query_terms = list(dict.fromkeys(terms(query)))
        if not query_terms or self.n_docs == 0:
            return {}
        per_term: list[tuple[float, dict[int, float]]] = []
        for q in query_terms:
            matched: dict[int, float] = {}
            for term in self._matching_terms(q):
                quality = _match(q, term)
                for row, weight in self._postings[term].items():
                    matched[row] = max(matched.get(row, 0.0), quality * weight)
            df = len(matched)
            idf = math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))
            per_term.append((idf, matched))
        total = sum(idf for idf, _ in per_term)
        out: dict[int, float] = defaultdict(float)
        for idf, matched in per_term:
            for row, value in matched.items():
                out[row] += idf * value / total
        return dict(out)
