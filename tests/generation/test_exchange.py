"""Sharing libraries: import task files in the convention (validated), export them, find them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from gensim.cli.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convention"
runner = CliRunner()


def test_import_validates_then_export_and_show(gensim_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    for name in ("place_red_block_in_green_bowl.py", "imports_missing_module.py"):
        shutil.copy(FIXTURES / name, folder / name)
    result = runner.invoke(app, ["tasks", "import", str(folder), "--seeds", "2", "--json"])
    assert result.exit_code == 1, result.output  # an entry was rejected
    doc = json.loads(result.stdout)
    assert doc["failed"] and doc["admitted"] == ["place-red-block-in-green-bowl"]
    assert doc["rejected"][0]["name"] == "imports-missing-module"
    assert doc["rejected"][0]["stage"] == "static" and "reset" in doc["rejected"][0]["reason"]

    # Imported tasks are usable by name and show their verdicts.
    shown = json.loads(runner.invoke(app, ["tasks", "show", "place-red-block-in-green-bowl", "--json"]).stdout)
    assert shown["origin"] == "imported" and shown["status"] == "admitted"
    assert [v["stage"] for v in shown["validation"]][:2] == ["static", "load"]
    listed = json.loads(runner.invoke(app, ["tasks", "list", "--json"]).stdout)
    assert "place-red-block-in-green-bowl" in {t["name"] for t in listed}
    png = tmp_path / "imported.png"  # rendered in the sandbox: imported code is untrusted
    result = runner.invoke(app, ["tasks", "render", "place-red-block-in-green-bowl", "--out", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:4] == b"\x89PNG"

    # Export the imported ones; importing the export again changes nothing.
    out = tmp_path / "shared"
    result = runner.invoke(app, ["tasks", "export", str(out), "--origin", "imported", "--json"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert [t["name"] for t in manifest["tasks"]] == ["place-red-block-in-green-bowl"]
    assert (out / "place-red-block-in-green-bowl.py").read_text() == (
        FIXTURES / "place_red_block_in_green_bowl.py").read_text()
    result = runner.invoke(app, ["tasks", "import", str(out), "--json"])
    assert result.exit_code == 0, result.output
    again = json.loads(result.stdout)
    assert again["unchanged"] == ["place-red-block-in-green-bowl"] and not again["admitted"]


def test_show_unknown_task_is_one_line(gensim_home: Path) -> None:
    result = runner.invoke(app, ["tasks", "show", "block-insertoin"])
    assert result.exit_code == 2
    assert "block-insertion" in result.output


def test_import_of_many_files_goes_on_past_checker_failures(gensim_home: Path, tmp_path: Path) -> None:
    """Files that fail inside the sandboxed checker (a verdict with `successes` as a per-seed
    list and no rewards) are reported per file; the import goes on to the files after them."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(4):
        shutil.copy(FIXTURES / "fails_at_reset.py", folder / f"a{i}_fails_at_reset.py")
        (folder / f"a{i}_fails_at_reset.py").write_text(
            (FIXTURES / "fails_at_reset.py").read_text() + f"\n# copy {i}\n")
    shutil.copy(FIXTURES / "imports_missing_module.py", folder / "b_imports_missing_module.py")
    shutil.copy(FIXTURES / "place_red_block_in_green_bowl.py", folder / "z_place_red_block_in_green_bowl.py")
    result = runner.invoke(app, ["tasks", "import", str(folder), "--seeds", "2", "--json"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    doc = json.loads(result.stdout)
    assert doc["admitted"] == ["z-place-red-block-in-green-bowl"]
    rejected = {r["name"]: r for r in doc["rejected"]}
    assert sorted(rejected) == ["a0-fails-at-reset", "a1-fails-at-reset", "a2-fails-at-reset",
                                "a3-fails-at-reset", "b-imports-missing-module"]
    assert rejected["a0-fails-at-reset"]["stage"] == "reset"
    assert "no scene today" in rejected["a0-fails-at-reset"]["reason"]


def test_stage_verdicts_are_the_gate_stages_by_their_own_names() -> None:
    from gensim.checking.stages import STAGES, Stage
    from gensim.checking.verdict import CheckVerdict
    from gensim.generation.candidate import REPAIRABLE
    from gensim.generation.candidate import STAGES as CAMPAIGN_STAGES
    from gensim.generation.validate import stage_verdicts

    failed_early = CheckVerdict("t", 1, [0, 2]).fail(Stage.RESET, "reset (seed 0): ValueError: boom").finish()
    verdicts = stage_verdicts(failed_early)
    assert [(v.stage, v.passed) for v in verdicts] == [("static", True), ("load", True), ("reset", False)]
    assert verdicts[-1].error == "reset (seed 0): ValueError: boom"
    vacuous = CheckVerdict("t", 1, [0, 2]).fail(Stage.GOALS, "goals: goal 1 has no objects").finish()
    assert [(v.stage, v.passed) for v in stage_verdicts(vacuous)][-1] == ("goals", False)
    whole = CheckVerdict("t", 1, [0, 2], successes=[True, True], success_rate=1.0).finish()
    assert [v.stage for v in stage_verdicts(whole)] == [s.value for s in STAGES]
    assert whole.passed and all(v.passed for v in stage_verdicts(whole))
    assert stage_verdicts(whole)[-1].details["success_rate"] == 1.0
    # one vocabulary: the campaign's stages are the gate's, between the provider's and the critic's
    assert CAMPAIGN_STAGES == ("api", "parse", *(s.value for s in STAGES), "critic", "novelty")
    assert set(REPAIRABLE) == {"parse", *(s.value for s in STAGES)}
