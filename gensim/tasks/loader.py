"""Load task files written in the convention (CLIPort/Ravens/GenSim) into `Task` classes.

Task code is executed with its own `__builtins__` whose `__import__` maps the convention's
module names onto gensim (`cliport.tasks.task` -> `gensim.tasks.task`, `cliport.utils.utils`
-> `gensim.tasks.utils`, `cliport.tasks.{primitives,cameras,grippers}` -> `gensim.sim.*`) and
gives `import pybullet` a proxy bound to the current environment's client. Because the mapping
lives in the task module's builtins, it also holds for imports that task methods run lazily
later, and nothing named `cliport` is ever put on `sys.path` or in `sys.modules`.
"""

from __future__ import annotations

import builtins
import hashlib
import importlib
import linecache
import re
import sys
import traceback
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gensim.errors import GensimError, UsageError
from gensim.sandbox import phases
from gensim.tasks import context

if TYPE_CHECKING:
    from gensim.tasks.task import Task

# convention module name -> gensim module it resolves to
ALIASES: dict[str, str] = {
    "cliport.tasks.task": "gensim.tasks.task",
    "cliport.utils.utils": "gensim.tasks.utils",
    "cliport.tasks.primitives": "gensim.sim.primitives",
    "cliport.tasks.cameras": "gensim.sim.cameras",
    "cliport.tasks.grippers": "gensim.sim.grippers",
}
FORBIDDEN_PYBULLET = frozenset({"connect", "disconnect", "resetSimulation"})


class TaskLoadError(GensimError):
    """Task code could not be loaded; the message names the task-code line that raised."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class TaskCodeError(GensimError):
    """Task code did something the platform refuses (e.g. disconnecting the simulator)."""


class PybulletProxy(types.ModuleType):
    """`pybullet` as task code sees it: calls default `physicsClientId` to the current client."""

    def __init__(self) -> None:
        super().__init__("pybullet", "pybullet bound to the current gensim environment")
        self._wrapped: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._wrapped:
            return self._wrapped[name]
        import pybullet

        value = getattr(pybullet, name)
        if name in FORBIDDEN_PYBULLET:
            def refused(*args: Any, **kwargs: Any) -> Any:
                raise TaskCodeError(f"task code may not call pybullet.{name}: the platform owns the simulator")
            self._wrapped[name] = refused
            return refused
        if not callable(value) or isinstance(value, type):
            return value

        def bound(*args: Any, **kwargs: Any) -> Any:
            client = context.current_client()
            if client is not None:
                kwargs.setdefault("physicsClientId", client)
            # Looked up at each call: the gate's recorder wraps pybullet's functions for a while.
            return getattr(pybullet, name)(*args, **kwargs)

        bound.__name__ = name
        bound.__doc__ = value.__doc__
        self._wrapped[name] = bound
        return bound


PYBULLET = PybulletProxy()


def _alias_tree() -> dict[str, types.ModuleType]:
    """Stand-in package modules for `cliport`, `cliport.tasks` and `cliport.utils`."""
    tree: dict[str, types.ModuleType] = {}
    for name in ("cliport", "cliport.tasks", "cliport.utils"):
        mod = _LazyPackage(name)
        tree[name] = mod
    return tree


class _LazyPackage(types.ModuleType):
    """A package stand-in whose attributes resolve to the aliased gensim modules on first use."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        full = f"{self.__name__}.{attr}"
        if full in ALIASES:
            return importlib.import_module(ALIASES[full])
        if full in ("cliport.tasks", "cliport.utils"):
            return _PACKAGES[full]
        if self.__name__ == "cliport.tasks" and attr in ("Task",):
            return importlib.import_module("gensim.tasks.task").Task
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r} in gensim")


_PACKAGES = _alias_tree()


def _resolve(name: str) -> types.ModuleType | None:
    if name == "pybullet":
        return PYBULLET
    if name in ALIASES:
        return importlib.import_module(ALIASES[name])
    if name in _PACKAGES:
        return _PACKAGES[name]
    if name == "cliport" or name.startswith("cliport."):
        raise ModuleNotFoundError(f"No module named {name!r} (not part of the task API gensim provides)", name=name)
    return None


def convention_import(
    name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
) -> types.ModuleType:
    """`__import__` for task code: convention names map onto gensim; the rest imports normally."""
    if level == 0:
        target = _resolve(name)
        if target is not None:
            if fromlist or "." not in name:
                return target
            top = name.split(".")[0]
            return _resolve(top) or target
    return builtins.__import__(name, globals, locals, fromlist, level)


def _task_builtins() -> dict[str, Any]:
    scoped = dict(vars(builtins))
    scoped["__import__"] = convention_import
    return scoped


def _camel(name: str) -> str:
    return "".join(part.capitalize() if not part[:1].isupper() else part
                   for part in re.split(r"[-_\s.]+", name) if part)


def task_line(err: BaseException, filename: str) -> tuple[int | None, str]:
    """The innermost line of `filename` in the error's traceback, and its source text."""
    line, text = None, ""
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename == filename:
            line, text = frame.lineno, (frame.line or "").strip()
    if line is None and isinstance(err, SyntaxError) and err.filename == filename:
        line, text = err.lineno, (err.text or "").strip()
    return line, text


def describe_error(err: BaseException, filename: str) -> str:
    """One line: the error type and message, and the task-code line that raised it."""
    line, text = task_line(err, filename)
    where = f" (task line {line}: `{text}`)" if line is not None else ""
    msg = err.msg if isinstance(err, SyntaxError) else str(err)
    return f"{type(err).__name__}: {msg}{where}"


def _pick_class(namespace: dict[str, Any], module_name: str, filename: str) -> type[Task]:
    from gensim.tasks.task import Task

    found = [
        obj for obj in namespace.values()
        if isinstance(obj, type) and issubclass(obj, Task) and obj is not Task
        and obj.__module__ == module_name
    ]
    if not found:
        raise TaskLoadError(f"{filename}: no class deriving from Task is defined")
    if len(found) == 1:
        return found[0]
    wanted = _camel(Path(filename).stem).lower()
    named = [c for c in found if c.__name__.lower() == wanted]
    if len(named) == 1:
        return named[0]
    leaves = [c for c in found if not any(o is not c and issubclass(o, c) for o in found)]
    if len(leaves) == 1:
        return leaves[0]
    names = ", ".join(sorted(c.__name__ for c in found))
    raise TaskLoadError(
        f"{filename}: several Task classes ({names}); name one {_camel(Path(filename).stem)} "
        "to match the file"
    )


def load_task_class(code: str, filename: str = "task.py") -> type[Task]:
    """Execute task code written in the convention and return its `Task` subclass.

    Raises `TaskLoadError` (one line, with the task-code line that raised) on syntax errors,
    imports of modules that are not installed, errors at class definition, or when the file
    does not define exactly one usable Task class.
    """
    from gensim.tasks.habits import stub_debug_imports

    code, _ = stub_debug_imports(code)  # the gate reports the warnings (gensim.checking.gate)
    digest = hashlib.sha256(code.encode()).hexdigest()[:12]
    stem = re.sub(r"\W", "_", Path(filename).stem)
    module_name = f"gensim_task_code_{stem}_{digest}"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        compiled = compile(code, filename, "exec")
    except SyntaxError as err:
        raise TaskLoadError(f"{filename}: {describe_error(err, filename)}", err.lineno) from None
    module = types.ModuleType(module_name)
    module.__file__ = filename
    namespace = module.__dict__
    namespace["__builtins__"] = _task_builtins()
    sys.modules[module_name] = module  # lets dataclasses, pickle and inspect find the class
    phases.enter("load")  # in a sandbox: the module's top level runs under the load budget
    try:
        exec(compiled, namespace)
    except Exception as err:  # noqa: BLE001 - any failure of foreign code is a load error
        sys.modules.pop(module_name, None)
        line, _ = task_line(err, filename)
        raise TaskLoadError(f"{filename}: {describe_error(err, filename)}", line) from None
    return _pick_class(namespace, module_name, filename)


def load_task_file(path: str | Path) -> type[Task]:
    """Read a task file from disk and return its `Task` subclass (see `load_task_class`)."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"task file not found: {file}")
    return load_task_class(file.read_text(encoding="utf-8"), str(file))
