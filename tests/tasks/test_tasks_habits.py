"""Habits of model-written code absorbed with a warning: debugging imports become stubs."""

from __future__ import annotations

from gensim.tasks.habits import stub_debug_imports
from gensim.tasks.loader import load_task_class

TASK = '''import numpy as np
import IPython
from pdb import set_trace as st
from gensim.tasks.task import Task


class DebugHabit(Task):
    """A task whose author left debugging calls in."""

    def probe(self):
        IPython.embed()
        return st(), 7
'''


def test_debug_imports_become_stubs_on_the_same_line_with_a_warning():
    code, warnings = stub_debug_imports(TASK)
    assert len(code.splitlines()) == len(TASK.splitlines())
    assert "import IPython" not in code and "from pdb" not in code
    assert code.splitlines()[0] == "import numpy as np"
    assert warnings == ["line 2: debugging import of IPython replaced by a stub that does nothing",
                        "line 3: debugging import of pdb replaced by a stub that does nothing"]


def test_a_task_with_debug_calls_loads_and_the_calls_do_nothing():
    cls = load_task_class(TASK, "debug_habit.py")
    assert cls.probe(object.__new__(cls)) == (None, 7)


def test_other_imports_are_left_alone():
    code = "import os, IPython\nimport json\n"
    assert stub_debug_imports(code) == (code, [])
