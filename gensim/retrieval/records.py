"""`Doc`: a task version as retrieval sees it, its text for embedding, and record fingerprints.

Retrieval works on plain records; the task DB and the built-in registry are turned into `Doc`s
by the adapters in `gensim.retrieval.adapters`, so nothing here touches a database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from gensim.retrieval.summary import (
    SUMMARY_VERSION,
    CodeSummary,
    asset_words,
    normalize_asset,
    summarize_code,
)


@dataclass(frozen=True)
class Doc:
    """One task version: what search, few-shot selection and the diversity scores read.

    `id` is the task-version id (the key of the index); built-in tasks without a DB row get
    ids from the adapter. `assets` may be empty: the assets found in `code` are used then.
    """

    id: int
    name: str  # kebab-case task name, e.g. "block-insertion"
    version: int = 1
    description: str = ""
    code: str | None = None
    origin: str = "builtin"  # builtin | generated | imported
    tags: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()
    status: str = "admitted"  # candidate | admitted | rejected

    @cached_property
    def summary(self) -> CodeSummary:
        """The AST summary of `code` (empty when there is no code)."""
        return summarize_code(self.code)

    @property
    def asset_set(self) -> frozenset[str]:
        """The assets the task uses: the record's list, else what its code loads."""
        if self.assets:
            return frozenset(normalize_asset(a) for a in self.assets)
        return frozenset(self.summary.assets)

    @property
    def title(self) -> str:
        """The name in words: `"stack-block-pyramid"` -> `"stack block pyramid"`."""
        return name_words(self.name)


def name_words(name: str) -> str:
    """Kebab/snake-case name to words."""
    return " ".join(name.replace("_", "-").split("-")).strip()


def doc_text(doc: Doc) -> str:
    """The text embedded for a task version: name in words, description, code summary."""
    parts = [doc.title + "."] if doc.title else []
    if doc.description:
        parts.append(" ".join(doc.description.split()))
    code_part = doc.summary.to_text()
    if code_part:
        parts.append(f"Code: {code_part}.")
    if doc.assets and not doc.summary.assets:
        parts.append("Uses " + ", ".join(sorted({asset_words(a) for a in doc.asset_set})) + ".")
    return " ".join(parts)


def text_hash(text: str) -> str:
    """sha256 hex of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(records: Iterable[Doc], embedder_name: str) -> str:
    """A hash of everything the vectors of an index depend on.

    Sorted (id, hash of the embedded text) pairs, the embedder and the summary version: any
    added, removed or edited record, or a new embedder, changes it.
    """
    return fingerprint_of_hashes(((d.id, text_hash(doc_text(d))) for d in records), embedder_name)


def fingerprint_of_hashes(pairs: Iterable[tuple[int, str]], embedder_name: str) -> str:
    """`fingerprint` from `(id, text hash)` pairs (what an index manifest keeps)."""
    payload = json.dumps(
        {"embedder": embedder_name, "summary": SUMMARY_VERSION, "docs": sorted(pairs)},
        sort_keys=True,
    )
    return text_hash(payload)
