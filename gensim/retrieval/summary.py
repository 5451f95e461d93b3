"""A deterministic summary of task code, read by AST (nothing is imported or run).

The summary names what a task uses and does: the assets it loads, the colours it mentions, the
relations its words and identifiers express (stack, place, align, sort...), its language
template and how many goals it adds. Retrieval embeds this summary next to the description so
that two tasks with similar code land close together even when their descriptions differ.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

# Bump when the extraction changes: index fingerprints include it, so indexes go stale.
SUMMARY_VERSION = 1

COLOR_WORDS = frozenset(
    "blue red green orange yellow purple pink cyan brown white gray grey indigo violet black "
    "silver gold".split()
)

# word stem -> canonical relation; matched against words of strings and identifiers
_RELATION_STEMS: dict[str, str] = {
    "stack": "stack",
    "pile": "pile",
    "tower": "stack",
    "pyramid": "stack",
    "place": "place",
    "put": "place",
    "insert": "insert",
    "fit": "insert",
    "align": "align",
    "line": "align",
    "sort": "sort",
    "group": "sort",
    "separat": "sort",
    "pack": "pack",
    "push": "push",
    "sweep": "push",
    "build": "build",
    "construct": "build",
    "assembl": "build",
    "arrange": "arrange",
    "circle": "arrange",
    "row": "arrange",
    "rope": "rope",
    "pallet": "palletize",
    "kit": "kit",
    "bowl": "contain",
    "container": "contain",
    "zone": "zone",
    "corner": "corner",
}

_ASSET_RE = re.compile(r"[\w\-/]+\.(?:urdf|obj)$")
_WORD_RE = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class CodeSummary:
    """What a task file uses and does, as far as its syntax tells."""

    class_name: str = ""
    lang_template: str = ""
    assets: tuple[str, ...] = ()  # asset paths without suffix and "-template", e.g. "box/box"
    colors: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()
    goal_calls: int = 0  # `add_goal` call sites
    goals_in_loop: bool = False  # some `add_goal` sits inside a loop (one goal per object...)
    metrics: tuple[str, ...] = ()  # "pose" / "zone"
    max_steps: int | None = None
    parsed: bool = True  # False when the code is not valid Python

    def to_text(self) -> str:
        """One deterministic line of words for the embedder (empty when there is nothing)."""
        parts: list[str] = []
        if self.lang_template:
            parts.append(f"instruction: {self.lang_template}")
        if self.assets:
            parts.append("uses " + ", ".join(asset_words(a) for a in self.assets))
        if self.colors:
            parts.append("colors " + ", ".join(self.colors))
        if self.relations:
            parts.append("relations " + ", ".join(self.relations))
        if self.goal_calls:
            many = " repeated per object" if self.goals_in_loop else ""
            parts.append(f"{self.goal_calls} goal{'s' if self.goal_calls > 1 else ''}{many}")
        return "; ".join(parts)


def asset_words(asset: str) -> str:
    """`"container/container"` -> `"container"`; `"kitting/object"` -> `"kitting object"`."""
    folder, _, stem = asset.rpartition("/")
    words = [w for w in re.split(r"[\W_]+", f"{folder} {stem}") if w and not w.isdigit()]
    return " ".join(dict.fromkeys(words))


def normalize_asset(path: str) -> str:
    """Drop the suffix and `-template` so that template and filled copies compare equal."""
    stem = re.sub(r"\.(urdf|obj)$", "", path.strip().lstrip("./"))
    return stem.replace("-template", "")


def summarize_code(code: str | None) -> CodeSummary:
    """Summarise task code by AST. Code that does not parse gives `CodeSummary(parsed=False)`."""
    if not code:
        return CodeSummary()
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return CodeSummary(parsed=False)
    visitor = _Visitor()
    visitor.visit(tree)
    words = [w for text in visitor.strings + visitor.names for w in _words(text)]
    relations = {_RELATION_STEMS[s] for w in words for s in _RELATION_STEMS if w.startswith(s)}
    colors = {"gray" if w == "grey" else w for w in words if w in COLOR_WORDS}
    assets = {normalize_asset(s) for s in visitor.strings if _ASSET_RE.search(s.strip())}
    return CodeSummary(
        class_name=visitor.class_name,
        lang_template=visitor.lang_template,
        assets=tuple(sorted(assets)),
        colors=tuple(sorted(colors)),
        relations=tuple(sorted(relations)),
        goal_calls=visitor.goal_calls,
        goals_in_loop=visitor.goals_in_loop,
        metrics=tuple(sorted(visitor.metrics)),
        max_steps=visitor.max_steps,
    )


def _words(text: str) -> list[str]:
    """Lower-case words of a string or a snake/camel-case identifier."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    return _WORD_RE.findall(spaced.lower())


class _Visitor(ast.NodeVisitor):
    """Collects string constants, identifiers and the task-convention facts of one file."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.names: list[str] = []
        self.class_name = ""
        self.lang_template = ""
        self.goal_calls = 0
        self.goals_in_loop = False
        self.metrics: set[str] = set()
        self.max_steps: int | None = None
        self._loop_depth = 0

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if not self.class_name:
            self.class_name = node.name
        self.names.append(node.name)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and len(node.value) < 500:
            self.strings.append(node.value)

    def visit_Name(self, node: ast.Name) -> None:
        self.names.append(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.names.append(node.attr)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.names.append(node.name)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and isinstance(node.value, ast.Constant):
                value = node.value.value
                if target.attr == "lang_template" and isinstance(value, str):
                    self.lang_template = " ".join(value.split())
                elif target.attr == "max_steps" and isinstance(value, int):
                    self.max_steps = value
        self.generic_visit(node)

    def _loop(self, node: ast.For | ast.While | ast.comprehension | ast.AsyncFor) -> None:
        self._loop_depth += 1
        self.generic_visit(node)
        self._loop_depth -= 1

    visit_For = visit_While = visit_AsyncFor = _loop  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "add_goal":
            self.goal_calls += 1
            self.goals_in_loop = self.goals_in_loop or self._loop_depth > 0
            for kw in node.keywords:
                if kw.arg == "metric" and isinstance(kw.value, ast.Constant):
                    self.metrics.add(str(kw.value.value))
        self.generic_visit(node)
