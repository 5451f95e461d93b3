"""The task registry: specs as data. Listing and looking up import no task code.

Sources of specs: the built-in library (`gensim.tasks.builtin.SPECS`) and any provider
registered with `register_source` (the task database registers one that yields its admitted
tasks as specs with `code` set). Built-ins come first; a later source cannot shadow a name; it
may only give a built-in's version number (a spec of origin `builtin` without code).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from gensim.errors import UnknownNameError, UsageError
from gensim.tasks.spec import TaskSpec

if TYPE_CHECKING:
    from gensim.tasks.task import Task

SpecSource = Callable[[], Iterable[TaskSpec]]
_sources: list[SpecSource] = []


def register_source(source: SpecSource) -> SpecSource:
    """Add a provider of extra specs (e.g. admitted DB tasks); returns it (usable as decorator).

    The provider is called on every `all_specs()`; it should be cheap and import nothing heavy.
    """
    if source not in _sources:
        _sources.append(source)
    return source


def unregister_source(source: SpecSource) -> None:
    """Remove a provider added with `register_source` (no error if absent)."""
    if source in _sources:
        _sources.remove(source)


def builtin_specs() -> list[TaskSpec]:
    """The built-in library's specs, with descriptions filled from class docstrings."""
    from gensim.tasks.builtin import SPECS

    return [_with_description(spec) for spec in SPECS]


def all_specs() -> list[TaskSpec]:
    """Every known task spec: built-ins first, then each registered source, unique by name."""
    return [_with_description(spec) for spec in _specs()]


def _specs() -> list[TaskSpec]:
    """`all_specs` without the descriptions of specs that lack one (read from code: the
    built-ins' files are parsed for them, which a look-up by name does not need)."""
    from gensim.tasks.builtin import SPECS

    specs: dict[str, TaskSpec] = {}
    for spec in SPECS:
        specs.setdefault(spec.name, spec)
    for source in list(_sources):
        for spec in source():
            known = specs.get(spec.name)
            if known is None:
                specs[spec.name] = spec
            elif known.origin == "builtin" and spec.origin == "builtin" and not spec.code:
                # A source may say which stored version a built-in's current file is (the DB).
                specs[spec.name] = replace(known, version=spec.version)
    return list(specs.values())


def get_spec(name: str) -> TaskSpec:
    """The spec registered under `name`; `UnknownNameError` names the closest ids."""
    specs = _specs()
    for spec in specs:
        if spec.name == name:
            return _with_description(spec)
    raise UnknownNameError("task", name, [s.name for s in specs])


def described(spec: TaskSpec) -> TaskSpec:
    """`spec` with its description filled from its class docstring when it has none."""
    return _with_description(spec)


def _with_description(spec: TaskSpec) -> TaskSpec:
    if spec.description:
        return spec
    if spec.code is not None:
        doc = class_docstring(spec.code)
    elif spec.entry_point:
        doc = _entry_point_docstring(spec.entry_point)
    else:
        doc = ""
    return replace(spec, description=doc) if doc else spec


@lru_cache(maxsize=512)
def _entry_point_docstring(entry_point: str) -> str:
    module_name, _, class_name = entry_point.partition(":")
    try:
        found = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return ""
    if found is None or not found.origin or not found.origin.endswith(".py"):
        return ""
    return class_docstring(Path(found.origin).read_text(encoding="utf-8"), class_name or None)


def class_docstring(code: str, class_name: str | None = None) -> str:
    """The docstring of a class in `code` (by AST, nothing executed), as one paragraph.

    Without `class_name`, the first class with a docstring. Empty when there is none or the
    code does not parse.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and (class_name is None or node.name == class_name):
            doc = ast.get_docstring(node)
            if doc:
                return " ".join(doc.split())
            if class_name is not None:
                return ""
    return ""


def make_task(spec: TaskSpec | str) -> Task:
    """Instantiate the task of a spec (or registered name): import its entry point or load its code."""
    if isinstance(spec, str):
        spec = get_spec(spec)
    if spec.code is not None:
        from gensim.tasks.loader import load_task_class

        cls = load_task_class(spec.code, f"{spec.name}.py")
    else:
        cls = _import_entry_point(spec)
    from gensim.sandbox import phases

    phases.enter("init")  # in a sandbox: __init__ runs under its own budget
    task = cls()
    task.name = spec.name
    return task


def entry_point_class(spec: TaskSpec) -> type[Task]:
    """The class a built-in spec's entry point names (imports its module)."""
    return _import_entry_point(spec)


def _import_entry_point(spec: TaskSpec) -> type[Task]:
    from gensim.tasks.task import Task

    module_name, _, class_name = spec.entry_point.partition(":")
    if not module_name or not class_name:
        raise UsageError(f"task '{spec.name}': entry point must be 'module:Class', got {spec.entry_point!r}")
    module = importlib.import_module(module_name)
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Task)):
        raise UsageError(f"task '{spec.name}': {spec.entry_point} is not a Task class")
    return cls
