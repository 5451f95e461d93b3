"""The registry: specs as data, descriptions by AST, helpful unknown-name errors, sources."""

from __future__ import annotations

import pytest

from gensim.errors import UnknownNameError
from gensim.tasks import registry
from gensim.tasks.spec import TaskSpec
from gensim.tasks.task import Task

CODE = '''
from cliport.tasks.task import Task

class StackTwoCubes(Task):
    """Stack two cubes.
    One on top of the other."""

    def __init__(self):
        super().__init__()
        self.lang_template = "stack the cubes"
'''


def test_builtin_specs_are_listed_with_descriptions() -> None:
    specs = registry.all_specs()
    names = [s.name for s in specs]
    assert len(names) == len(set(names)) and len(names) > 0
    for spec in specs:
        if spec.origin == "builtin":
            assert spec.entry_point and spec.description, spec.name


def test_unknown_name_names_the_closest() -> None:
    known = registry.all_specs()[0].name
    typo = known[:-1] + ("x" if known[-1] != "x" else "y")
    with pytest.raises(UnknownNameError) as info:
        registry.get_spec(typo)
    assert known in str(info.value) and info.value.exit_code == 2


def test_class_docstring_reads_without_executing() -> None:
    code = "import module_that_does_not_exist\n" + CODE
    assert registry.class_docstring(code) == "Stack two cubes. One on top of the other."
    assert registry.class_docstring(code, "Other") == ""
    assert registry.class_docstring("def (") == ""


def test_registered_source_adds_code_tasks_and_cannot_shadow_builtins() -> None:
    builtin = registry.all_specs()[0]

    def source() -> list[TaskSpec]:
        return [TaskSpec(name="stack-two-cubes", origin="generated", version=3, code=CODE),
                TaskSpec(name=builtin.name, origin="generated", code=CODE)]

    registry.register_source(source)
    try:
        spec = registry.get_spec("stack-two-cubes")
        assert spec.version == 3 and spec.description.startswith("Stack two cubes")
        assert registry.get_spec(builtin.name).origin == "builtin"
        task = registry.make_task(spec)
        assert isinstance(task, Task) and task.name == "stack-two-cubes"
        assert task.lang_template == "stack the cubes"
    finally:
        registry.unregister_source(source)
    with pytest.raises(UnknownNameError):
        registry.get_spec("stack-two-cubes")
