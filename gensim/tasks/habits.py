"""Habits of model-written task code that the reference tolerates, absorbed here with a warning.

`stub_debug_imports` replaces an import of a debugging module (`IPython`, `ipdb`, `pdb`) by a
stub on the same line (line numbers stay the task's), whose every attribute is a function that
does nothing: `IPython.embed()` and `pdb.set_trace()` left in a file then cost nothing, as
in the reference where the module is installed and the call is never reached or returns at
once in a batch run. The real module is never imported. The general rule is by module, never
by task name or file.
"""

from __future__ import annotations

import ast

DEBUG_MODULES = frozenset({"IPython", "ipdb", "pdb"})
# One expression of builtins only: an object whose every attribute is a no-op function.
_STUB = 'type("DebugStub", (), {"__getattr__": lambda self, name: (lambda *args, **kwargs: None)})()'


def _replacement(node: ast.Import | ast.ImportFrom) -> str | None:
    if isinstance(node, ast.Import):
        names = [a for a in node.names if a.name.split(".")[0] in DEBUG_MODULES]
        if len(names) != len(node.names):
            return None  # mixed with other modules: left to the import guard
        return "; ".join(f"{a.asname or a.name.split('.')[0]} = {_STUB}" for a in names)
    if node.level == 0 and node.module and node.module.split(".")[0] in DEBUG_MODULES:
        if any(a.name == "*" for a in node.names):
            return "pass"
        return "; ".join(f"{a.asname or a.name} = {_STUB}.{a.name}" for a in node.names)
    return None


def stub_debug_imports(code: str) -> tuple[str, list[str]]:
    """The code with one-line debugging imports stubbed, and one warning per stub."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, []  # reported by the loader with its line
    lines = code.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    warnings: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or node.end_lineno != node.lineno:
            continue
        new = _replacement(node)
        if new is None or node.end_col_offset is None:
            continue
        edits.append((node.lineno, node.col_offset, node.end_col_offset, new))
        module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
        warnings.append(f"line {node.lineno}: debugging import of {module} replaced by a stub that does nothing")
    for lineno, start, end, new in sorted(edits, reverse=True):
        raw = lines[lineno - 1].encode()
        lines[lineno - 1] = (raw[:start] + new.encode() + raw[end:]).decode()
    return "".join(lines), sorted(warnings)
