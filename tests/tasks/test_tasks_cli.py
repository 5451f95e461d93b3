"""`gensim tasks`: listing is light, exit codes are right, errors are one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from gensim.cli.main import app

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convention"


def test_list_json_imports_no_heavy_library() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from gensim.cli.main import app\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    try:\n"
        "        app(['tasks', 'list', '--json'])\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
        "heavy = [m for m in ('torch', 'pybullet', 'mlflow', 'openai', 'faiss') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
        "print(buf.getvalue())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy, _, listing = proc.stdout.partition("\n")
    assert heavy == ""
    doc = json.loads(listing)
    assert doc and set(doc[0]) == {"name", "version", "origin", "label", "tags", "description"}


def test_unknown_task_is_one_line_and_exit_2() -> None:
    result = runner.invoke(app, ["tasks", "check", "place-red-in-gren"])
    assert result.exit_code == 2
    assert "place-red-in-green" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["tasks", "render", "no-such-task", "--out", "x.png"])
    assert result.exit_code == 2


def test_check_needs_exactly_one_subject() -> None:
    assert runner.invoke(app, ["tasks", "check"]).exit_code == 2
    result = runner.invoke(app, ["tasks", "check", "--file", "does/not/exist.py"])
    assert result.exit_code == 2 and "not found" in result.output


def test_check_file_that_fails_to_load_reports_the_line(tmp_path: Path) -> None:
    file = tmp_path / "imports_missing_module.py"  # with a reset, so that it passes the static stage
    file.write_text((FIXTURES / file.name).read_text() + "\n    def reset(self, env):\n        super().reset(env)\n")
    result = runner.invoke(app, ["tasks", "check", "--file", str(file), "--json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["name", "version", "seeds", "successes", "success_rate", "passed", "stage", "outcome",
                         "warnings", "errors", "disagreements", "seconds", "steps", "rewards", "task_rewards", "robot",
                         "per_seed"]
    assert doc["successes"] == 0 and isinstance(doc["successes"], int)
    assert doc["stage"] == "load" and not doc["passed"]
    assert "line 5" in doc["errors"][0] and "shapely_geometry_not_installed" in doc["errors"][0]


def test_help_has_examples() -> None:
    for command in ("list", "check", "render"):
        result = runner.invoke(app, ["tasks", command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output


def test_render_writes_topdown_and_front_side_by_side(tmp_path: Path) -> None:
    import imageio.v3 as iio

    from gensim.tasks import registry
    from gensim.tasks.spec import TaskSpec

    code = (FIXTURES / "place_red_block_in_green_bowl.py").read_text()

    def source() -> list[TaskSpec]:
        return [TaskSpec(name="fixture-red-in-green", origin="imported", code=code)]

    registry.register_source(source)
    try:
        out = tmp_path / "scene.png"
        result = runner.invoke(app, ["tasks", "render", "fixture-red-in-green", "--seed", "2", "--out", str(out)])
        assert result.exit_code == 0, result.output
        image = iio.imread(out)
        assert image.shape == (480, 240 + 4 + 640, 3)
        top = image[:, :240]
        assert (top[..., 0] > 150).any() and (top[..., 1] > 120).any()  # the red block, the green bowl
        bad = runner.invoke(app, ["tasks", "render", "fixture-red-in-green", "--out", str(tmp_path / "x.jpg")])
        assert bad.exit_code == 2 and ".png" in bad.output
    finally:
        registry.unregister_source(source)


def test_check_name_and_check_file_give_the_same_verdict() -> None:
    # The built-in is recorded and replayed in this process, the file in the sandbox: same gate.
    import gensim.tasks.builtin.block_insertion as module

    by_name = runner.invoke(app, ["tasks", "check", "block-insertion", "--seeds", "2", "--json"])
    by_file = runner.invoke(app, ["tasks", "check", "--file", str(module.__file__), "--seeds", "2", "--json"])
    assert by_name.exit_code == by_file.exit_code == 0, (by_name.output, by_file.output)
    a, b = json.loads(by_name.stdout), json.loads(by_file.stdout)
    assert a.pop("seconds") >= 0 and b.pop("seconds") >= 0
    assert a == b and a["stage"] == "done" and a["per_seed"] == [True, True]


def test_check_name_and_check_file_agree_on_a_failing_task(tmp_path: Path) -> None:
    # A registered (imported) task and the same code as a file: both sandboxed, same verdict.
    from gensim.tasks import registry
    from gensim.tasks.spec import TaskSpec

    code = (FIXTURES / "fails_at_reset.py").read_text()
    path = tmp_path / "fails_at_reset.py"
    path.write_text(code)

    def source() -> list[TaskSpec]:
        return [TaskSpec(name="fails-at-reset", origin="imported", code=code)]

    registry.register_source(source)
    try:
        by_name = runner.invoke(app, ["tasks", "check", "fails-at-reset", "--seeds", "1", "--json"])
    finally:
        registry.unregister_source(source)
    by_file = runner.invoke(app, ["tasks", "check", "--file", str(path), "--seeds", "1", "--json"])
    assert by_name.exit_code == by_file.exit_code == 1
    a, b = json.loads(by_name.stdout), json.loads(by_file.stdout)
    a.pop("seconds"), b.pop("seconds")
    assert a == b and a["stage"] == "reset"


def test_check_output_escapes_control_characters(tmp_path: Path) -> None:
    code = (FIXTURES / "fails_at_reset.py").read_text().replace("no scene today", "no \\x1b[2J\\x1b]0;pwned\\x07 scene")
    path = tmp_path / "fails_at_reset.py"
    path.write_text(code)
    result = runner.invoke(app, ["tasks", "check", "--file", str(path), "--seeds", "1"])
    assert result.exit_code == 1 and "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[2J" in result.output
