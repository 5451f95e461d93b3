"""The wheel is complete: built from a copy of the source, installed outside the checkout, its
console script migrates a new database and runs a one-trial campaign from another folder.

Built with `pip wheel --no-deps --no-build-isolation` and installed with `pip install --no-deps
--target` (the dependencies come from the running environment, the `gensim` package only from
the installed wheel), so the test needs no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder a freshly built wheel was installed into (`--target`)."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    shutil.copytree(ROOT / "gensim", src / "gensim",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(base / "dist"),
                    str(src)], check=True, timeout=120, capture_output=True)
    (wheel,) = (base / "dist").glob("gensim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("gensim/migrations/alembic.ini", "gensim/migrations/env.py",
                   "gensim/migrations/script.py.mako", "gensim/prompts/_shared/task_api.j2",
                   "gensim/prompts/topdown-cot/plan.j2"):
        assert needed in names, f"the wheel lacks {needed}"
    assert any(n.startswith("gensim/migrations/versions/0001_") for n in names)
    assert not any("__pycache__" in n for n in names)
    target = base / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=120, capture_output=True)
    return target


def _gensim(target: Path, cwd: Path, home: Path, *args: str, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(PYTHONPATH=str(target), GENSIM_HOME=str(home), MLFLOW_DISABLE_TELEMETRY="true")
    return subprocess.run([str(target / "bin" / "gensim"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def test_installed_wheel_migrates_from_another_folder(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(installed)}
    found = subprocess.run([sys.executable, "-c", "import gensim; print(gensim.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert Path(found.stdout.strip()).is_relative_to(installed)  # not the checkout's package

    result = _gensim(installed, elsewhere, tmp_path / "home", "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "at head" in result.stdout
    assert (tmp_path / "home" / "gensim.db").is_file()


@pytest.mark.slow
def test_installed_wheel_runs_a_campaign(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    home = tmp_path / "home"
    assert _gensim(installed, elsewhere, home, "db", "upgrade").returncode == 0
    result = _gensim(installed, elsewhere, home, "generate", "--trials", "1", "--target",
                     "build-car", "--llm", "offline", "--workers", "1", "--no-media", "--json",
                     "--quiet", timeout=300)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["counts"]["api"] == 1 and doc["counts"]["parse"] == 1  # a prompt was rendered
    assert len(doc["admitted"]) == 1, doc
