"""Stage `static`: checks of task code that need no simulator (milliseconds, precise messages).

They catch what models get wrong most often before anything runs: syntax, no `Task` subclass
or no `reset`, asset paths that do not exist and colour names the convention does not know.
(Goal shares that do not sum to one are not an error: the gate normalises them with a warning,
see `gensim.checking.vacuity`.)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

ASSETS_ROOT = Path(__file__).resolve().parent.parent / "assets"
ASSET_SUFFIXES = (".urdf", ".obj", ".sdf")

# Colour words a model may write; any of them that the convention's COLORS lacks is an error.
COLOUR_WORDS = {
    "red", "green", "blue", "yellow", "orange", "purple", "pink", "cyan", "brown", "white",
    "gray", "grey", "black", "indigo", "violet", "silver", "gold", "teal", "magenta", "maroon",
    "navy", "lime", "olive", "beige", "turquoise", "crimson", "lavender", "tan", "coral",
    "salmon", "khaki", "aqua", "fuchsia", "ivory", "azure", "mint", "peach", "amber", "bronze",
}


@dataclass
class StaticResult:
    """The verdict of the static stage: passed, errors (each with its line) and the class name."""

    passed: bool
    errors: list[str] = field(default_factory=list)
    class_name: str | None = None
    assets: list[str] = field(default_factory=list)


def known_colours() -> set[str]:
    """The colour names of the convention's `utils.COLORS`."""
    try:
        from gensim.sim.colors import COLORS

        return set(COLORS)
    except ImportError:  # the simulator is not importable: the names the spec guarantees
        return {
            "blue", "red", "green", "orange", "yellow", "purple", "pink", "cyan", "brown",
            "white", "gray", "indigo", "violet", "black", "silver", "gold",
        }


def check_code(code: str, assets_root: Path = ASSETS_ROOT) -> StaticResult:
    """Run every static check on a task file's text."""
    try:
        tree = ast.parse(code)
    except SyntaxError as err:
        return StaticResult(False, [f"syntax error at line {err.lineno}: {err.msg}"])
    errors: list[str] = []
    classes = _task_classes(tree)
    class_name = classes[0].name if classes else None
    if not classes:
        errors.append("no class deriving from Task is defined")
    elif not any(_defines_reset(c) or _inherits_reset(c, tree) for c in classes):
        errors.append(f"class {classes[0].name} does not define reset(self, env)")
    assets = _asset_literals(tree)
    for path, line in assets:
        if not _asset_exists(path, assets_root):
            errors.append(f"line {line}: asset '{path}' does not exist under the assets folder")
    colours = known_colours()
    for word, line in _colour_literals(tree):
        if word not in colours:
            errors.append(
                f"line {line}: colour '{word}' is not in utils.COLORS (known: {', '.join(sorted(colours))})"
            )
    return StaticResult(not errors, errors, class_name, sorted({p for p, _ in assets}))


def _base_names(node: ast.ClassDef) -> list[str]:
    return [b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "" for b in node.bases]


def _imported_task_names(tree: ast.Module) -> set[str]:
    """Names imported from a task module other than the base class (e.g. a built-in task class)."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and ".tasks" in f".{node.module}":
            found |= {alias.asname or alias.name for alias in node.names if alias.name != "Task"}
    return found


def _task_classes(tree: ast.Module) -> list[ast.ClassDef]:
    """Top-level classes deriving from Task: directly, through a class of this file, or through
    a task class imported from a task module (a variant of a built-in)."""
    known = {"Task", "T"} | _imported_task_names(tree)
    out = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(n in known or n.endswith("Task") for n in _base_names(node)):
            out.append(node)
            known.add(node.name)
    return out


def _defines_reset(node: ast.ClassDef) -> bool:
    return any(isinstance(n, ast.FunctionDef) and n.name == "reset" for n in node.body)


def _inherits_reset(node: ast.ClassDef, tree: ast.Module) -> bool:
    """Whether the class inherits `reset` from a task class imported from a task module."""
    imported = _imported_task_names(tree)
    return any(n in imported for n in _base_names(node))


def _asset_literals(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.endswith(ASSET_SUFFIXES) and "/" in text and " " not in text and "{" not in text:
                found.append((text, node.lineno))
    return found


def _asset_exists(path: str, root: Path) -> bool:
    """Whether the asset, or the file the loader falls back to, exists: a missing "-template"
    file is loaded without "-template" in its name (as the reference does, with a warning at
    run time), a habit of model-written code (e.g. 'block/block-template.urdf')."""
    rel = path.lstrip("/")
    for prefix in ("assets/", "cliport/environments/assets/"):
        if rel.startswith(prefix):
            rel = rel[len(prefix):]
    return (root / rel).exists() or ("-template" in rel and (root / rel.replace("-template", "")).exists())


def _colour_literals(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            word = node.value.strip().lower()
            if word in COLOUR_WORDS:
                found.append((word, node.lineno))
    return found
