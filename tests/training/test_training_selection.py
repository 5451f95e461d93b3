"""Task selection for training: names, or a query over the admitted tasks of the task DB."""

from __future__ import annotations

from pathlib import Path

import pytest

from gensim.errors import UsageError
from gensim.training.selection import query_tasks, resolve_tasks

CODE = '''
from gensim.tasks.task import Task


class {cls}(Task):
    """A generated task for the selection tests."""
'''


@pytest.fixture
def db(gensim_home: Path) -> str:
    from gensim.config import get_settings
    from gensim.db import repository as repo

    url = get_settings().db_url
    for name, tags, status in [("stack-red-piles", ["blocks", "piles"], "admitted"),
                               ("sort-green-bowls", ["bowls"], "admitted"),
                               ("broken-tower", ["blocks"], "rejected")]:
        cls = "".join(part.title() for part in name.split("-"))
        repo.add_task_version(name, CODE.format(cls=cls), "desc", tags=tags, status=status, url=url)
    repo.add_task_version("stack-red-piles", CODE.format(cls="StackRedPiles") + "\n# v2\n", "desc",
                          status="admitted", url=url)
    return url


def test_query_filters_admitted_newest_versions(db: str) -> None:
    assert query_tasks("origin=generated", url=db) == [("sort-green-bowls", 1), ("stack-red-piles", 2)]
    assert query_tasks("all", url=db) == [("sort-green-bowls", 1), ("stack-red-piles", 2)]
    assert query_tasks("tag=blocks", url=db) == [("stack-red-piles", 2)]
    assert query_tasks("name~bowl", url=db) == [("sort-green-bowls", 1)]
    assert query_tasks("origin=generated,limit=1", url=db) == [("sort-green-bowls", 1)]
    with pytest.raises(UsageError, match="no admitted task"):
        query_tasks("tag=rope", url=db)
    with pytest.raises(UsageError, match="bad task query"):
        query_tasks("colour=red", url=db)


def test_names_or_query_but_not_both() -> None:
    assert resolve_tasks(["a", "b"], None) == [("a", None), ("b", None)]
    with pytest.raises(UsageError, match="not both"):
        resolve_tasks(["a"], "all")
    with pytest.raises(UsageError, match="no tasks"):
        resolve_tasks([], None)
    with pytest.raises(UsageError, match="twice"):
        resolve_tasks(["a", "a"], None)
