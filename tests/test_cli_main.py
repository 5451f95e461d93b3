"""The CLI's top level: every sub-app is listed, settings print with secrets masked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from gensim.cli.main import app

runner = CliRunner()


def test_help_lists_all_sub_apps() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("tasks", "generate", "demos", "train", "eval", "db", "ui", "config"):
        assert name in result.output


def test_config_masks_secrets(gensim_home: Path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdef")
    from gensim.config import get_settings

    get_settings.cache_clear()
    result = runner.invoke(app, ["config", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["openai_api_key"] != "sk-test-0123456789abcdef"
    assert "0123456789" not in result.stdout
    assert doc["resolved_provider"] == "openai"
    assert doc["home_dir"] == str(gensim_home.resolve())


def test_import_gensim_is_light() -> None:
    code = (
        "import sys, gensim, gensim.config, gensim.cli.main\n"
        "heavy = [m for m in ('torch', 'mlflow', 'pybullet', 'openai', 'faiss') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_artifact_root_follows_the_tracking_store(gensim_home: Path, monkeypatch) -> None:
    from gensim.config import Settings

    monkeypatch.delenv("GENSIM_MLFLOW_ARTIFACT_ROOT")
    monkeypatch.delenv("GENSIM_MLFLOW_TRACKING_URI")
    assert Settings().artifact_root == (gensim_home.resolve() / "mlartifacts").as_uri()
    monkeypatch.setenv("GENSIM_MLFLOW_TRACKING_URI", "http://mlflow.example:5000")
    assert Settings().artifact_root == "mlflow-artifacts:/"
    monkeypatch.setenv("GENSIM_MLFLOW_ARTIFACT_ROOT", "s3://bucket/gensim")
    assert Settings().artifact_root == "s3://bucket/gensim"
