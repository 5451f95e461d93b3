"""Untrusted (non-built-in) task code with `--robot panda`: the task code runs in the sandbox, the
arm is gensim's own code in the same child and in the trusted replayer, the verdict is the
replay's (which says which robot it replayed with), and demos of such a task carry the arm's
control stream recorded in the sandbox, checked by the parent before it is stored."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gensim.checking.decode import DecodeError
from gensim.checking.verdict import CheckVerdict

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "convention" / "place_red_block_in_green_bowl.py"


def test_a_verdict_names_a_known_robot() -> None:
    verdict = CheckVerdict(name="t", version=1, seeds=[0], robot="panda").finish()
    assert CheckVerdict.from_json(verdict.to_json()).robot == "panda"
    assert CheckVerdict.from_json({**verdict.to_json(), "robot": None} | {"robot": "none"}).robot == "none"
    with pytest.raises(DecodeError, match="robot"):
        CheckVerdict.from_json({**verdict.to_json(), "robot": "ur5"})


def test_replay_job_refuses_an_unknown_robot() -> None:
    from gensim.checking.replay import replay_job
    from gensim.errors import UsageError

    with pytest.raises(UsageError, match="unknown robot"):
        replay_job({"record": {}, "name": "t", "seeds": [0], "robot": "ur5"})


@pytest.mark.slow
def test_task_file_checked_with_the_arm_in_the_sandbox(tmp_path: Path) -> None:
    env = {"GENSIM_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "gensim.cli.main", "tasks", "check", "--file", str(FIXTURE),
                           "--robot", "panda", "--seeds", "2", "--json"], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    verdict = json.loads(proc.stdout)
    assert verdict["passed"] and verdict["robot"] == "panda" and verdict["success_rate"] == 1.0


@pytest.mark.slow
def test_demos_of_generated_code_with_the_arm(gensim_home: Path, tmp_path: Path) -> None:
    from gensim.data.demos import make_demos
    from gensim.data.format import EpisodeFile
    from gensim.data.verify import verify_dataset
    from gensim.db import repository

    repository.add_task_version("red-in-green-file", FIXTURE.read_text(), "fixture", status="admitted")
    out = tmp_path / "ds"
    report = make_demos("red-in-green-file", 1, "train", out=out, track=False, robot="panda", version=1)
    assert report.episodes == 1 and report.robot == "panda"
    episode = EpisodeFile(sorted((out / "episodes").glob("ep-*.npz"))[0])
    assert episode.meta["origin"] == "generated" and episode.meta["control"]["robot"] == "panda"
    assert episode.control()["control_joint_pos"].shape[1] == 7
    assert verify_dataset(out).ok


@pytest.mark.slow
def test_generated_code_renders_with_the_arm_in_the_sandbox(tmp_path: Path) -> None:
    """`tasks render` of task code with --robot: the sandboxed render job shows the arm in the
    front view (the picture differs from the floating tool's; the top-down half hides both)."""
    import io

    import numpy as np
    from PIL import Image

    from gensim.sandbox import Limits, run_in_sandbox
    from gensim.sandbox.returned import unpack_files

    images = {}
    for robot in ("none", "panda"):
        res = run_in_sandbox("gensim.generation.jobs:render_job",
                             {"code": FIXTURE.read_text(), "name": "t", "seed": 0, "png": True, "gif": False,
                              "robot": robot}, Limits(wall_s=300, cpu_s=320), warm=True)
        assert res.ok, res.error
        png = unpack_files(res.result["files"], ["t.png"])["t.png"]
        images[robot] = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    assert images["none"].shape == images["panda"].shape
    assert np.abs(images["none"] - images["panda"]).max() > 50  # the arm is in the picture


@pytest.mark.slow
def test_generated_code_plays_a_policy_with_the_arm_in_the_sandbox(tmp_path: Path) -> None:
    from gensim.policies.agent import PolicyAgent
    from gensim.training import rollout
    from tests.training.test_training_robot import _checkpoint

    fields = {"task": "place-red-block-in-green-bowl", "origin": "generated", "code": FIXTURE.read_text(),
              "entry_point": ""}
    checkpoint = _checkpoint(tmp_path, "panda")
    (sandboxed,) = rollout.play_sandboxed(checkpoint, fields, [10001], split="test", robot="panda")
    assert sandboxed.error is None, sandboxed.error
    agent = PolicyAgent.from_checkpoint(checkpoint)
    (local,) = rollout.play(agent, fields, [10001], split="test", robot="panda")
    assert rollout._envs["panda"].arm is not None  # the local side played with the arm
    assert (sandboxed.steps, sandboxed.reward) == (local.steps, local.reward)
