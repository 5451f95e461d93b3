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
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["admitted"] == ["place-red-block-in-green-bowl"]
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
    again = json.loads(runner.invoke(app, ["tasks", "import", str(out), "--json"]).stdout)
    assert again["unchanged"] == ["place-red-block-in-green-bowl"] and not again["admitted"]


def test_show_unknown_task_is_one_line(gensim_home: Path) -> None:
    result = runner.invoke(app, ["tasks", "show", "block-insertoin"])
    assert result.exit_code == 2
    assert "block-insertion" in result.output
