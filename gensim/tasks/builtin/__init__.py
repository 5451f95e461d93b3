"""The built-in task library, registered as data (see `gensim.tasks.spec.TaskSpec`)."""

from __future__ import annotations

from gensim.tasks.builtin.group_a import SPECS as _GROUP_A
from gensim.tasks.builtin.group_b import SPECS as _GROUP_B
from gensim.tasks.spec import TaskSpec

SPECS: list[TaskSpec] = []

SPECS += _GROUP_A
SPECS += _GROUP_B
