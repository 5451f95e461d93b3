"""Task names: what a task id may look like, and which names are reserved for built-in tasks.

A task id is an ASCII slug: lowercase letters and digits in groups joined by single hyphens
(`build-car`), at most `MAX_NAME_LENGTH` characters. Built-in names are reserved: no generated
or imported task may take one, nor a *look-alike* of one. Two names look alike when their
`fold` keys are equal: the key applies Unicode NFKC and case folding, maps common homoglyphs
(Cyrillic and Greek letters that look Latin) to the Latin letter, drops accents and separators
(`-`, `_`, spaces, dots), and merges characters that are easily swapped (`0`/`o`, `1`/`l`/`i`,
`5`/`s`, `rn`/`m`...). So `block_insertion`, `Block-Insertion`, `bl0ck-insertion` and
`blосk-insertion` (Cyrillic `о`, `с`) all look like `block-insertion`.

`suffixed_name` is the naming rule for a non-built-in task whose proposed name is reserved:
the origin is appended (`build-car` written by a campaign becomes `build-car-generated`). The
task DB applies it in one place (`gensim.db.repository.name_for`), so every writer obeys it.
Nothing here touches the DB or imports task code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_NAME_LENGTH = 100  # characters of a task id
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)

# Letters of other scripts that render like Latin ones (after case folding). Not exhaustive:
# names must be ASCII anyway; this list makes the error say which built-in a name imitates.
_HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "ɩ": "i", "ı": "i", "ȷ": "j", "ℓ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y", "μ": "u",
}
# Characters easily swapped for one another, mapped to one representative.
_SWAPS = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "3": "e", "4": "a",
                        "5": "s", "7": "t", "8": "b", "9": "g", "6": "b", "2": "z", "$": "s",
                        "@": "a"})
_MULTI = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_SEPARATORS = re.compile(r"[\s\-_.·‐‑‒–—―−/\\]+")


def is_slug(name: str) -> bool:
    """True for an ASCII task id: `a-z`, `0-9` in groups joined by single hyphens, bounded length."""
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_LENGTH and bool(_SLUG.fullmatch(name))


def fold(name: str) -> str:
    """The look-alike key of a name (see the module docstring); equal keys look alike."""
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    text = "".join(_HOMOGLYPHS.get(ch, ch) for ch in text)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = _SEPARATORS.sub("", text).translate(_SWAPS)
    for pair, one in _MULTI:
        text = text.replace(pair, one)
    return text


def look_alike(name: str, reserved: Iterable[str]) -> str | None:
    """The reserved name that `name` equals or looks like, if any."""
    key = fold(name)
    for other in reserved:
        if name == other or fold(other) == key:
            return other
    return None


def builtin_names() -> list[str]:
    """The ids of the built-in tasks (registry data; no task code is imported)."""
    from gensim.tasks.registry import builtin_specs

    return [spec.name for spec in builtin_specs()]


def suffixed_name(name: str, origin: str, attempt: int = 1) -> str:
    """The naming rule for a reserved or taken name: `<name>-<origin>`, then `-2`, `-3`..."""
    base = f"{name}-{origin}"
    return base if attempt <= 1 else f"{base}-{attempt}"


def name_problem(name: object, reserved: Iterable[str]) -> str | None:
    """Why `name` cannot be the id of a non-built-in task (None when it can)."""
    reserved = list(reserved)
    if not isinstance(name, str) or not name:
        return "no task name"
    shown = ascii(name)[1:-1][:120]
    if not is_slug(name):
        like = look_alike(name, reserved)
        if like is not None:
            return f"'{shown}' is not an ASCII task id and looks like the built-in task '{like}'"
        if len(name) > MAX_NAME_LENGTH:
            return f"task name longer than {MAX_NAME_LENGTH} characters"
        return f"'{shown}' is not a task id: use lowercase ASCII letters, digits and single hyphens"
    like = look_alike(name, reserved)
    if like == name:
        return f"'{name}' is a built-in task's name"
    if like is not None:
        return f"'{name}' looks like the built-in task '{like}'"
    return None


def origin_label(origin: str, *, provider: str | None = None, model: str | None = None,
                 campaign_id: int | None = None) -> str:
    """How listings name a task version's origin: `built-in`, `imported`, or
    `generated (campaign 3, offline/composer-1)`."""
    if origin == "builtin":
        return "built-in"
    parts = [f"campaign {campaign_id}"] if campaign_id is not None else []
    writer = "/".join(p for p in (provider, model) if p)
    if writer:
        parts.append(writer)
    return f"{origin} ({', '.join(parts)})" if parts else origin
