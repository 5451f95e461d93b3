"""Typed, bounded reading of JSON that crossed a process boundary (records, verdicts).

Everything a child sends is data to be checked: `bounded(doc)` refuses documents nested deeper
or with more items than a record can honestly have, and the `field_*` readers refuse a missing
key or a value of the wrong type with one line that names the key (`DecodeError`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from gensim.errors import GensimError

MAX_DEPTH = 12  # nesting of dicts and lists (a record needs about 7)
MAX_ITEMS = 2_000_000  # dict entries + list items + strings, in all
MAX_STRING = 1_000_000  # characters of one string (a filled URDF is a few KiB)

T = TypeVar("T")


class DecodeError(GensimError):
    """A document that crossed a process boundary is malformed (one line, names the key)."""


def bounded(doc: Any, what: str, max_depth: int = MAX_DEPTH, max_items: int = MAX_ITEMS) -> Any:
    """`doc` itself, after checking its depth, size and that it holds only JSON types."""
    count = 0
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > max_items:
            raise DecodeError(f"{what}: more than {max_items} items")
        if depth > max_depth:
            raise DecodeError(f"{what}: nested deeper than {max_depth} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise DecodeError(f"{what}: a key that is not a string")
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            if len(value) > MAX_STRING:
                raise DecodeError(f"{what}: a string longer than {MAX_STRING} characters")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise DecodeError(f"{what}: a number that is not finite")
        elif value is not None and not isinstance(value, bool | int):
            raise DecodeError(f"{what}: a value of type {type(value).__name__}")
    return doc


def obj(doc: Any, what: str) -> dict[str, Any]:
    """`doc` as a JSON object."""
    if not isinstance(doc, dict):
        raise DecodeError(f"{what}: expected an object, got {type(doc).__name__}")
    return doc


def field(doc: dict[str, Any], key: str, kind: Callable[[Any, str], T], what: str) -> T:
    """`doc[key]` read with `kind`; a missing key is an error."""
    if key not in doc:
        raise DecodeError(f"{what}: missing '{key}'")
    return kind(doc[key], f"{what}.{key}")


def opt(doc: dict[str, Any], key: str, kind: Callable[[Any, str], T], what: str, default: T) -> T:
    """`doc[key]` read with `kind`, or `default` when the key is absent."""
    return kind(doc[key], f"{what}.{key}") if key in doc else default


def as_str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise DecodeError(f"{what}: expected a string, got {type(value).__name__}")
    return value


def as_bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise DecodeError(f"{what}: expected true or false, got {type(value).__name__}")
    return value


def as_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DecodeError(f"{what}: expected an integer, got {type(value).__name__}")
    return value


def as_float(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DecodeError(f"{what}: expected a finite number, got {value!r:.40}")
    return float(value)


def list_of(kind: Callable[[Any, str], T], limit: int = 100_000) -> Callable[[Any, str], list[T]]:
    """A reader of a list whose items are read with `kind` (at most `limit` of them)."""

    def read(value: Any, what: str) -> list[T]:
        if not isinstance(value, list):
            raise DecodeError(f"{what}: expected a list, got {type(value).__name__}")
        if len(value) > limit:
            raise DecodeError(f"{what}: more than {limit} items")
        return [kind(item, f"{what}[{i}]") for i, item in enumerate(value)]

    return read


def floats(n: int) -> Callable[[Any, str], tuple[float, ...]]:
    """A reader of exactly `n` finite numbers."""

    def read(value: Any, what: str) -> tuple[float, ...]:
        items = list_of(as_float, n)(value, what)
        if len(items) != n:
            raise DecodeError(f"{what}: expected {n} numbers, got {len(items)}")
        return tuple(items)

    return read


def pose(value: Any, what: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A pose `[[x, y, z], [qx, qy, qz, qw]]`."""
    items = list_of(lambda v, w: v, 2)(value, what)
    if len(items) != 2:
        raise DecodeError(f"{what}: expected a pose [xyz, quat]")
    return floats(3)(items[0], f"{what}[0]"), floats(4)(items[1], f"{what}[1]")
