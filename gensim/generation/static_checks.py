"""Stage `static`: checks of task code that need no simulator (milliseconds, precise messages).

They catch what models get wrong most often before anything runs: syntax, no `Task` subclass
or no `reset`, asset paths that do not exist, colour names the convention does not know, and
goal shares (`step_max_reward` literals) that do not sum to one.
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
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef) and _derives_task(node)]
    class_name = classes[0].name if classes else None
    if not classes:
        errors.append("no class deriving from Task is defined")
    elif not any(isinstance(n, ast.FunctionDef) and n.name == "reset" for n in classes[0].body):
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
    share_error = _shares_error(tree)
    if share_error:
        errors.append(share_error)
    return StaticResult(not errors, errors, class_name, sorted({p for p, _ in assets}))


def _derives_task(node: ast.ClassDef) -> bool:
    for base in node.bases:
        name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
        if name in ("Task", "T") or name.endswith("Task"):
            return True
    return False


def _asset_literals(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.endswith(ASSET_SUFFIXES) and "/" in text and " " not in text and "{" not in text:
                found.append((text, node.lineno))
    return found


def _asset_exists(path: str, root: Path) -> bool:
    rel = path.lstrip("/")
    for prefix in ("assets/", "cliport/environments/assets/"):
        if rel.startswith(prefix):
            rel = rel[len(prefix):]
    return (root / rel).exists()


def _colour_literals(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            word = node.value.strip().lower()
            if word in COLOUR_WORDS:
                found.append((word, node.lineno))
    return found


def _shares_error(tree: ast.AST) -> str | None:
    """Literal `step_max_reward` values of add_goal calls outside loops must sum to one."""
    total, literal_only, calls = 0.0, True, 0
    loops = [n for n in ast.walk(tree) if isinstance(n, ast.For | ast.While | ast.comprehension)]
    in_loop = {id(c) for loop in loops for c in ast.walk(loop)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "add_goal":
            continue
        calls += 1
        share = next((k.value for k in node.keywords if k.arg == "step_max_reward"), None)
        if share is None and len(node.args) >= 8:
            share = node.args[7]
        value = _number(share)
        if value is None or id(node) in in_loop:
            literal_only = False
            continue
        total += value
    if calls and literal_only and abs(total - 1.0) > 0.01:
        return f"the goals' step_max_reward shares sum to {total:.3f}, not 1"
    return None


def _number(node: ast.AST | None) -> float | None:
    if node is None:
        return None
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            a, b = _number(node.left), _number(node.right)
            return a / b if a is not None and b else None
        return None
    return float(value) if isinstance(value, int | float) else None
