"""The static stage catches each plausible mistake with a precise message, and passes clean code."""

from __future__ import annotations

import numpy as np
import pytest

from gensim.checking.static import check_code
from gensim.llm.offline import codegen, designs, faults


@pytest.fixture(scope="module")
def car_code() -> str:
    _, target, _ = designs.curriculum("build-car", np.random.default_rng(0))
    return codegen.write_code(target)


def test_clean_code_passes(car_code: str) -> None:
    result = check_code(car_code)
    assert result.passed, result.errors
    assert result.class_name == "BuildCar"
    assert "cylinder/cylinder-template.urdf" in result.assets


@pytest.mark.parametrize(
    ("fault", "needle"),
    [("asset", "does not exist"), ("colour", "colour 'teal'"), ("syntax", "syntax error at line")],
)
def test_static_faults_are_caught(car_code: str, fault: str, needle: str) -> None:
    result = check_code(faults.inject(car_code, fault))
    assert not result.passed
    assert any(needle in e for e in result.errors), result.errors


def test_runtime_faults_pass_static(car_code: str) -> None:
    for fault in ("name", "shares"):
        assert check_code(faults.inject(car_code, fault)).passed


def test_missing_reset_and_class() -> None:
    assert "does not define reset" in check_code(
        "from cliport.tasks.task import Task\nclass A(Task):\n    pass\n").errors[0]
    assert "no class deriving from Task" in check_code("x = 1\n").errors[0]


def test_shares_that_do_not_sum_to_one_are_not_a_static_error() -> None:
    # The gate normalises them with a warning (gensim.checking.vacuity); a goal with no objects
    # is its error too, judged from what the task really adds.
    code = (
        "from cliport.tasks.task import Task\nclass A(Task):\n    def reset(self, env):\n"
        "        self.add_goal(objs=[], matches=None, targ_poses=[], replace=False, rotations=False,\n"
        "                      metric='pose', params=None, step_max_reward=0.5)\n"
    )
    assert check_code(code).passed


def test_template_suffix_on_a_plain_asset_is_absorbed() -> None:
    # Model-written code names 'block/block-template.urdf'; the loader (as the reference's)
    # falls back to 'block/block.urdf', so only an asset missing both ways is an error.
    code = ("from cliport.tasks.task import Task\nclass A(Task):\n    def reset(self, env):\n"
            "        u = 'block/block-template.urdf'\n        v = 'block/nothing-template.urdf'\n")
    errors = check_code(code).errors
    assert len(errors) == 1 and "nothing-template" in errors[0], errors
