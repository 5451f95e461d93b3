"""Loading task files written in the convention: import mapping, class choice, clean errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gensim.tasks import context
from gensim.tasks.loader import (
    PYBULLET,
    TaskCodeError,
    TaskLoadError,
    load_task_class,
    load_task_file,
)
from gensim.tasks.task import Task

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convention"
HEADER = "import numpy as np\nfrom cliport.tasks.task import Task\nfrom cliport.utils import utils\n"


def test_convention_header_resolves_to_gensim_modules() -> None:
    cls = load_task_file(FIXTURES / "stack_blocks_on_pallet.py")
    assert issubclass(cls, Task) and cls.__name__ == "StackBlocksOnPallet"
    module = sys.modules[cls.__module__]
    from gensim.tasks import utils

    assert module.utils is utils and module.T is Task and module.p is PYBULLET
    cls = load_task_file(FIXTURES / "blocks_into_zone.py")
    from gensim.sim import cameras, grippers, primitives

    module = sys.modules[cls.__module__]
    assert module.primitives is primitives and module.cameras is cameras
    assert module.Spatula is grippers.Spatula and module.Suction is grippers.Suction


def test_no_cliport_package_is_left_behind() -> None:
    load_task_file(FIXTURES / "place_red_block_in_green_bowl.py")
    assert not any(name == "cliport" or name.startswith("cliport.") for name in sys.modules)
    with pytest.raises(ImportError):
        __import__("cliport.tasks.task")


def test_lazy_imports_inside_methods_resolve_too() -> None:
    code = HEADER + (
        "class Lazy(Task):\n"
        "    def helper(self):\n"
        "        from cliport.tasks.grippers import Spatula\n"
        "        import cliport.utils.utils as u\n"
        "        import pybullet as pb\n"
        "        return Spatula, u, pb\n"
    )
    cls = load_task_class(code, "lazy.py")
    from gensim.sim.grippers import Spatula
    from gensim.tasks import utils

    assert cls().helper() == (Spatula, utils, PYBULLET)


def test_missing_module_fails_cleanly_with_its_line() -> None:
    with pytest.raises(TaskLoadError) as info:
        load_task_file(FIXTURES / "imports_missing_module.py")
    assert info.value.line == 5
    message = str(info.value)
    assert "shapely_geometry_not_installed" in message and "line 5" in message
    assert "\n" not in message


def test_unknown_cliport_module_and_syntax_errors_name_the_line() -> None:
    with pytest.raises(TaskLoadError, match="line 2"):
        load_task_class("import numpy\nfrom cliport.tasks.insertion import X\n", "x.py")
    with pytest.raises(TaskLoadError, match="line 5") as info:
        load_task_class(HEADER.replace("utils\n", "utils\n\nclass A(Task:\n"), "bad.py")
    assert "SyntaxError" in str(info.value)
    with pytest.raises(TaskLoadError, match="task line 6: `x = 1 / 0`"):
        load_task_class(HEADER + "\nclass A(Task):\n    x = 1 / 0\n", "zero.py")


def test_class_choice() -> None:
    two = HEADER + "class Helper(Task):\n    pass\nclass MakeTower(Task):\n    pass\n"
    assert load_task_class(two, "make-tower.py").__name__ == "MakeTower"
    with pytest.raises(TaskLoadError, match="several Task classes"):
        load_task_class(two, "other.py")
    chain = HEADER + "class Base(Task):\n    pass\nclass Leaf(Base):\n    pass\n"
    assert load_task_class(chain, "whatever.py").__name__ == "Leaf"
    with pytest.raises(TaskLoadError, match="no class deriving from Task"):
        load_task_class(HEADER + "x = 1\n", "none.py")


def test_pybullet_proxy_binds_the_current_client_and_refuses_lifecycle_calls() -> None:
    import pybullet

    first = pybullet.connect(pybullet.DIRECT)
    second = pybullet.connect(pybullet.DIRECT)
    try:
        pybullet.createMultiBody(0, -1, physicsClientId=second)
        pybullet.createMultiBody(0, -1, physicsClientId=second)
        with context.episode_context(second, []):
            assert PYBULLET.getNumBodies() == 2
        with context.episode_context(first, []):
            assert PYBULLET.getNumBodies() == 0
            assert PYBULLET.getNumBodies(physicsClientId=second) == 2
        assert PYBULLET.GEOM_BOX == pybullet.GEOM_BOX
        for name in ("disconnect", "resetSimulation", "connect"):
            with pytest.raises(TaskCodeError, match=name):
                getattr(PYBULLET, name)()
    finally:
        pybullet.disconnect(first)
        pybullet.disconnect(second)
