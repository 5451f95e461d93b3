"""Reply parsing: the python code block, a JSON object, the Task subclass name.

Failures raise `ParseError` with a short reason; the pipeline records them as stage `parse`.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from gensim.errors import GensimError

_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+.-]*)[^\n]*\n(.*?)(?:^[ \t]*```[ \t]*$|\Z)", re.M | re.S)
_PY_TAGS = {"python", "py", "python3", "py3"}
_CODE_START = re.compile(r"^(import |from \S+ import |class |def |@|async def )", re.M)


class ParseError(GensimError):
    """A reply that holds no usable code or JSON; `reason` is short, for records and repair prompts."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"could not parse the reply: {reason}")
        self.reason = reason


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """All fenced blocks as (language tag, body); an unclosed last fence runs to the end."""
    return [(tag.lower(), body) for tag, body in _FENCE.findall(text)]


def extract_code(text: str) -> str:
    """The python code of a reply: a ```python block, a plain ``` block, or a reply that is only code.

    With several candidate blocks, a block that defines a class wins, then the longest.
    """
    if not text or not text.strip():
        raise ParseError("empty reply")
    blocks = fenced_blocks(text)
    if blocks:
        tagged = [body for tag, body in blocks if tag in _PY_TAGS]
        plain = [body for tag, body in blocks if not tag]
        candidates = [b for b in (tagged or plain) if b.strip()]
        if not candidates:
            raise ParseError("no python code block (only blocks of other languages)")
        return _best_block(candidates).strip("\n") + "\n"
    if _is_code(text):
        return text.strip("\n") + "\n"
    match = _CODE_START.search(text)  # prose first, then unfenced code
    if match and _is_code(text[match.start() :]):
        return text[match.start() :].strip("\n") + "\n"
    raise ParseError("no python code in reply (prose only)")


def _best_block(blocks: list[str]) -> str:
    def score(block: str) -> tuple[int, int]:
        return (1 if re.search(r"^class \w+", block, re.M) else 0, len(block))

    return max(blocks, key=score)


def _is_code(text: str) -> bool:
    """True when `text` parses as python and does more than name things (prose can parse too)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return any(not isinstance(node, ast.Expr) for node in tree.body)


def extract_json(text: str) -> dict[str, Any]:
    """The first JSON object in a reply: a ```json block, a plain ``` block, or inline amid prose
    (outside blocks of other languages first, so a dict in a python block does not win)."""
    if not text or not text.strip():
        raise ParseError("empty reply")
    blocks = fenced_blocks(text)
    candidates = [body for tag, body in blocks if tag == "json"]
    candidates += [body for tag, body in blocks if tag == ""]
    candidates += [_FENCE.sub("", text), text]  # inline JSON: outside code blocks first
    for candidate in candidates:
        found = _first_object(candidate)
        if found is not None:
            return found
    raise ParseError("no JSON object in reply")


def _first_object(text: str) -> dict[str, Any] | None:
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def task_class_name(code: str) -> str:
    """The name of the Task subclass defined in `code` (the last one if there are several)."""
    try:
        tree = ast.parse(code)
    except SyntaxError as err:
        raise ParseError(f"code does not parse: line {err.lineno}: {err.msg}") from err
    task_names = {"Task"}
    for node in tree.body:  # `from ... import Task as T`
        if isinstance(node, ast.ImportFrom):
            task_names.update(a.asname for a in node.names if a.name == "Task" and a.asname)
    found: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            bases = {_base_name(b) for b in node.bases}
            if bases & task_names or bases & set(found):
                found.append(node.name)
    if not found:
        raise ParseError("no class deriving from Task in the code")
    return found[-1]


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""
