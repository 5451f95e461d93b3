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


def test_get_target_sample_surface_points_lie_inside_the_mesh_and_repeat_per_seed(tmp_path):
    import numpy as np

    from gensim.tasks.task import Task, _inside_mesh, _obj_triangles

    cube = tmp_path / "cube.obj"  # unit cube [0, 1]^3, quads
    cube.write_text("".join(f"v {x} {y} {z}\n" for x in (0, 1) for y in (0, 1) for z in (0, 1))
                    + "f 1 3 4 2\nf 5 6 8 7\nf 1 2 6 5\nf 3 7 8 4\nf 1 5 7 3\nf 2 4 8 6\n")
    tri = _obj_triangles(str(cube))
    assert tri.shape == (12, 3, 3)
    probe = np.array([[0.5, 0.3, 0.5], [0.2, 0.9, 0.1], [1.5, 0.5, 0.5], [0.5, 0.5, -0.2]])
    assert _inside_mesh(tri, probe).tolist() == [True, True, False, False]
    task = Task()
    pose = ((0.5, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0))
    np.random.seed(3)
    first = task.get_target_sample_surface_points(str(cube), (0.1, 0.1, 0.1), pose, num_points=20)
    np.random.seed(3)
    assert task.get_target_sample_surface_points(str(cube), (0.1, 0.1, 0.1), pose, num_points=20) == first
    assert len(first) == 20
    assert all(0.5 <= p[0][0] <= 0.6 and 0 <= p[0][1] <= 0.1 and p[1] == (0.0, 0.0, 0.0, 1.0) for p in first)
