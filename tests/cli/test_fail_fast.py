"""Mistakes fail before heavy imports: usage errors, no tasks, unknown tasks and unknown model
versions are answered without importing torch, lightning, mlflow or pybullet (behaviour, not a
timing: BENCHMARKS.md has the start-up figures from bench/bench_startup.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "lightning", "mlflow", "pybullet")
_WRAP = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('HEAVY=' + ','.join(m for m in {heavy!r} if m in sys.modules) + '\\n'))\n"
    "sys.argv = ['gensim', *sys.argv[1:]]\n"
    "from gensim.cli.main import run\n"
    "run()\n"
)


def _gensim(home: Path, *args: str) -> tuple[int, str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(GENSIM_HOME=str(home), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", _WRAP.format(heavy=HEAVY), *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    lines = proc.stderr.splitlines()
    heavy = [line.removeprefix("HEAVY=") for line in lines if line.startswith("HEAVY=")]
    assert heavy, proc.stderr
    return proc.returncode, "\n".join(line for line in lines if not line.startswith("HEAVY=")), \
        [m for m in heavy[-1].split(",") if m]


@pytest.mark.parametrize(("args", "message"), [
    (("train", "--max-steps", "5"), "no tasks"),
    (("train", "--tasks", "no-such-task", "--max-steps", "5"), "unknown task 'no-such-task'"),
    (("eval", "--model", "gensim-policy:1", "--tasks", "no-such-task"), "unknown task"),
    (("eval", "--model", "gensim-policy:1", "--tasks", "block-insertion"), "no registered models yet"),
    (("eval", "--model", "gensim-policy", "--tasks", "block-insertion"), "unknown model 'gensim-policy'"),
    (("demos", "block-insertion", "-n", "0"), "-n must be at least 1"),
    # one usage error of every sub-command
    (("tasks", "show", "no-such-task"), "unknown task 'no-such-task'"),
    (("tasks", "check", "no-such-task"), "unknown task 'no-such-task'"),
    (("tasks", "list", "--bogus"), "No such option"),
    (("generate", "--mode", "nope"), "unknown generation mode 'nope'"),
    (("generate", "--mode", "bottomup", "--trials", "0"), "--trials must be at least 1"),
    (("demos", "no-such-task", "-n", "1"), "unknown task 'no-such-task'"),
    (("demos", "block-insertion", "--split", "nope"), "unknown split 'nope'"),
    (("demos", "export", "x", "--format", "nope", "--out", "x"), "unknown export format 'nope'"),
    (("train", "--tasks", "block-insertion", "--batch-size", "0"), "batch-size must be at least 1"),
    (("train", "--config", "no-such-recipe.yaml"), "no recipe file"),
    (("eval", "--model", "x:1", "--tasks", "block-insertion", "--episodes", "0"), "--episodes must be at least 1"),
    (("db", "bogus"), "No such command"),
    (("ui", "--port", "70000"), "--port must be in 0..65535"),
    (("config", "--bogus"), "No such option"),
    (("runs", "bogus"), "No such command"),
])
def test_mistakes_fail_before_heavy_imports(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    code, err, heavy = _gensim(tmp_path / "home", *args)
    assert code == 2 and message in err and "Traceback" not in err, err
    assert heavy == [], f"{args}: imported {heavy} before failing"


def test_eval_missing_version_lists_those_that_exist(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENSIM_")}
    env.update(GENSIM_HOME=str(home), PYTHONPATH=str(ROOT))
    script = ("from gensim.db import provenance, session\nsession.upgrade()\n"
              "for v in ('1', '2'):\n"
              "    provenance.add_checkpoint(f'/x/{v}.ckpt', registered_model_name='gensim-policy',"
              " registered_model_version=v)\n")
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)
    code, err, heavy = _gensim(home, "eval", "--model", "gensim-policy:99", "--tasks", "block-insertion")
    assert code == 2, err
    assert "model 'gensim-policy' has no version 99; its versions: 1, 2 (e.g. gensim-policy:2)" in err
    assert heavy == []
    code, err, heavy = _gensim(home, "eval", "--model", "gensim-polcy", "--tasks", "block-insertion")
    assert code == 2 and "unknown model 'gensim-polcy'; did you mean gensim-policy?" in err, err
    assert heavy == [] and len(err.splitlines()) == 1
