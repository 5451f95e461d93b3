"""Reply parsing: code blocks, JSON objects, the Task subclass name, and the parse errors."""

from __future__ import annotations

import pytest

from gensim.llm.parsing import ParseError, extract_code, extract_json, task_class_name

TASK = """import numpy as np
from cliport.tasks.task import Task


class StackBlocks(Task):
    \"\"\"Stack three blocks.\"\"\"

    def __init__(self):
        super().__init__()
        self.max_steps = 3
"""


def test_python_fence_with_prose_around() -> None:
    reply = f"Here is the task.\n\n```python\n{TASK}```\n\nIt stacks blocks. Also:\n```bash\npip x\n```"
    assert extract_code(reply) == TASK


def test_plain_fence_and_tag_variants() -> None:
    assert extract_code(f"```\n{TASK}```") == TASK
    assert extract_code(f"```py\n{TASK}```") == TASK
    assert extract_code(f"  ```Python  \n{TASK}  ```\n") == TASK


def test_prefers_python_tag_then_class_then_length() -> None:
    helper = "x = 1\ny = 2\nz = 3\nw = 4\n"
    reply = f"```\nnot this\n```\n```python\n{helper}```\n```python\n{TASK}```"
    assert extract_code(reply) == TASK


def test_reply_that_is_only_code_and_code_after_prose() -> None:
    assert extract_code(TASK) == TASK
    assert extract_code("Sure! Here it is:\n" + TASK) == TASK


def test_unclosed_fence_runs_to_the_end() -> None:
    assert extract_code("```python\n" + TASK) == TASK


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("", "empty reply"),
        ("   \n", "empty reply"),
        ("I cannot help with building that task.", "prose only"),
        ("Task", "prose only"),  # parses as python, but only names a thing
        ("```json\n{\"a\": 1}\n```", "other languages"),
    ],
)
def test_code_parse_errors(reply: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason) as info:
        extract_code(reply)
    assert reason in info.value.reason


def test_json_fenced_inline_and_with_trailing_prose() -> None:
    assert extract_json('```json\n{"task-name": "stack", "n": 3}\n```') == {"task-name": "stack", "n": 3}
    assert extract_json('Sure: {"a": {"b": [1, 2]}} -- hope that helps {not json}') == {"a": {"b": [1, 2]}}
    assert extract_json('{broken then {"ok": true}') == {"ok": True}
    assert extract_json('[1, 2] and {"x": "}"}') == {"x": "}"}
    mixed = '```python\nfill = {"DIM": 1}\n```\nProposal: {"task-name": "t"}'
    assert extract_json(mixed) == {"task-name": "t"}


@pytest.mark.parametrize(("reply", "reason"), [("", "empty reply"), ("no object here [1, 2]", "no JSON object")])
def test_json_parse_errors(reply: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        extract_json(reply)


def test_task_class_name() -> None:
    assert task_class_name(TASK) == "StackBlocks"
    aliased = "from cliport.tasks.task import Task as T\nclass Helper:\n    pass\nclass BuildCar(T):\n    pass\n"
    assert task_class_name(aliased) == "BuildCar"
    chained = "import cliport.tasks.task as t\nclass A(t.Task):\n    pass\nclass B(A):\n    pass\n"
    assert task_class_name(chained) == "B"


def test_task_class_name_errors() -> None:
    with pytest.raises(ParseError, match="no class deriving from Task"):
        task_class_name("class Foo:\n    pass\n")
    with pytest.raises(ParseError, match="does not parse: line 1"):
        task_class_name("class Foo(Task)\n    pass\n")
