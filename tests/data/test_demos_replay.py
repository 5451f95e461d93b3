"""Demos of untrusted task code are kept on the trusted replay's word, never the task's own
rewards (`gensim.checking.episodes`, `gensim.data.worker.judged`): a task whose reward() forges
success keeps nothing, an honest one keeps exactly the episodes it kept before (same bytes), and
a kept episode's observations and instructions are the replay's renders and the checked
instructions recorded at reset, whatever the task's process renders. Real sandboxes (bwrap),
real physics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import gensim.cli.main  # noqa: F401 - registers the task DB as a source of task specs
from gensim.data.demos import make_demos
from gensim.data.manifest import read_manifest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HONEST = FIXTURES / "convention" / "place_red_block_in_green_bowl.py"
FORGED = FIXTURES / "replay" / "forged_red_block_in_green_bowl.py"
FORGED_IMAGES = FIXTURES / "replay" / "forged_images_red_block_in_green_bowl.py"


def test_forged_rewards_keep_no_demo(gensim_home: Path, tmp_path: Path) -> None:
    from gensim.db import repository

    repository.add_task_version("forged-red-block", FORGED.read_text(), "forges its reward", status="admitted")
    out = tmp_path / "ds"
    report = make_demos("forged-red-block", 1, "train", out=out, track=False, max_failures=1)
    assert report.episodes == 0 and report.new_failures == 2 and report.stopped
    assert report.disagreements == 2
    for path in sorted((out / "failures").glob("*.json")):
        failure = json.loads(path.read_text())
        assert failure["task_total_reward"] == 1.0 and failure["total_reward"] == 0.0
        assert "the task's own reward totals 1.00, the replay's 0.00" in failure["warnings"][0]
    assert not list((out / "episodes").glob("*.npz"))


def test_honest_task_keeps_the_same_episodes(gensim_home: Path, tmp_path: Path) -> None:
    from gensim.data.catalog import pin_task
    from gensim.data.demos import episode_meta
    from gensim.data.worker import run_seeds
    from gensim.db import repository

    repository.add_task_version("honest-red-block", HONEST.read_text(), "honest", status="admitted")
    out = tmp_path / "ds"
    report = make_demos("honest-red-block", 2, "train", out=out, track=False)
    assert report.seeds == [0, 2] and report.disagreements == 0
    entries = read_manifest(out)
    assert all("warnings" not in e.to_json() for e in entries.values())
    # Before: the task's own rewards decided, the same code played here (trusted for the test).
    pinned = pin_task("honest-red-block")
    job = {**pinned.job_fields(), "split": "train", "views": False, "robot": "none",
           "meta": episode_meta(pinned, "train", "none"), "seeds": [0, 2]}
    before = run_seeds(job)
    assert [o["seed"] for o in before if o["success"]] == report.seeds
    for outcome in before:
        assert (out / "episodes" / f"ep-{outcome['seed']:06d}.npz").read_bytes() == outcome["data"]


def test_the_chunking_changes_no_byte(gensim_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """How the seeds are cut into sandboxed jobs (`demos.chunk_size`) is free to change: one
    seed per job (a fresh child, a replay each) and all seeds in one job keep the same bytes."""
    from gensim.data import demos, worker
    from gensim.data.writer import dataset_digest
    from gensim.db import repository

    repository.add_task_version("honest-red-block", HONEST.read_text(), "honest", status="admitted")
    played = worker.play_sandboxed
    sizes: dict[str, list[int]] = {}
    for rule, size in (("one", lambda chunk, left, workers: 1), ("all", lambda chunk, left, workers: left)):
        jobs = sizes[rule] = []

        def play(job: dict[str, Any], jobs: list[int] = jobs) -> Any:
            jobs.append(len(job["seeds"]))
            return played(job)

        monkeypatch.setattr(worker, "play_sandboxed", play)
        monkeypatch.setattr(demos, "chunk_size", size)
        report = make_demos("honest-red-block", 3, "train", out=tmp_path / rule, track=False)
        assert report.seeds == [0, 2, 4]
    assert sizes == {"one": [1, 1, 1], "all": [3]}
    assert dataset_digest(tmp_path / "one") == dataset_digest(tmp_path / "all")
    for seed in (0, 2, 4):
        name = f"episodes/ep-{seed:06d}.npz"
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "all" / name).read_bytes()


def _job(path: Path, seeds: list[int]) -> dict[str, object]:
    return {"task": "red-block", "origin": "generated", "code": path.read_text(), "entry_point": "",
            "split": "train", "views": False, "robot": "none", "meta": {}, "seeds": seeds}


def test_kept_images_are_the_replays_renders(gensim_home: Path, tmp_path: Path) -> None:
    """A task whose process renders forged observations (a white picture) keeps episodes that
    show the scene as the replay rendered it: the same pictures the honest task's episodes of
    those seeds show, played in this process."""
    import numpy as np

    from gensim.data.format import EpisodeFile
    from gensim.data.worker import run_seeds
    from gensim.db import repository

    repository.add_task_version("forged-images", FORGED_IMAGES.read_text(), "forges its images", status="admitted")
    out = tmp_path / "ds"
    report = make_demos("forged-images", 2, "train", out=out, track=False)
    assert report.seeds == [0, 2] and report.disagreements == 0
    honest = {o["seed"]: EpisodeFile(o["data"]).to_episode() for o in run_seeds(_job(HONEST, [0, 2]))}
    forged_picture = np.full((320, 160, 3), 255, dtype=np.uint8)
    for seed in (0, 2):
        kept = EpisodeFile((out / "episodes" / f"ep-{seed:06d}.npz").read_bytes()).to_episode()
        assert len(kept.color) == len(honest[seed].color) >= 2
        assert np.array_equal(kept.color, honest[seed].color) and np.array_equal(kept.height, honest[seed].height)
        assert not any(np.array_equal(c, forged_picture) for c in kept.color)
        assert list(kept.lang) == list(honest[seed].lang) and kept.lang[0] == "put the red block in the green bowl"


def test_instructions_are_recorded_at_reset_and_checked(gensim_home: Path) -> None:
    """The replay shows the language goals recorded at reset; one with a control character, or
    too long, keeps nothing. The child's stray bytes and records of other seeds count for
    nothing."""
    from gensim.data.worker import judged, sandbox_entry

    job = _job(HONEST, [0, 2])
    played = sandbox_entry(json.loads(json.dumps(job)))["outcomes"]  # the child's side, played here
    assert all(o["record"]["scene"]["lang_goals"] == ["put the red block in the green bowl"] for o in played)
    assert all(o["data"] is None for o in played)
    honest = judged([json.loads(json.dumps(o)) for o in played], job)
    assert [o["success"] for o in honest] == [True, True] and all(isinstance(o["data"], bytes) for o in honest)
    lying = [json.loads(json.dumps(o)) for o in played]
    lying[0]["record"]["scene"]["lang_goals"] = ["put the red block in the green bowl\x1b[2J"]
    lying[0]["data"] = honest[1]["data"]  # bytes from the child are not kept
    lying[1]["record"]["scene"]["done_desc"] = "x" * 501
    out = judged(lying, job)
    assert [o["success"] for o in out] == [False, False] and not any(o["data"] for o in out)
    assert "control or unprintable characters" in out[0]["error"] and "501 characters" in out[1]["error"]
    other = [json.loads(json.dumps(o)) for o in played]
    other[1]["record"] = other[0]["record"]  # seed 0's record sent for seed 2
    out = judged(other, job)
    assert out[0]["success"] and not out[1]["success"] and "record is of seed 0" in out[1]["error"]


TEXTURED = FIXTURES / "replay" / "textured_block_in_bowl.py"


def test_textures_are_recorded_by_name_and_replayed(gensim_home: Path) -> None:
    """A task that textures its block: the record names the texture (an image of gensim's
    assets) and the replay's renders show it, the same pictures the task's own process draws;
    without the texture calls the replay's pictures differ."""
    import numpy as np

    from gensim.data.format import EpisodeFile
    from gensim.data.worker import judged, run_seeds, sandbox_entry

    job = {**_job(TEXTURED, [0]), "task": "textured-block"}
    played = sandbox_entry(json.loads(json.dumps(job)))["outcomes"]  # the child's side, played here
    calls = played[0]["record"]["scene"]["calls"]
    loads = [c for c in calls if c["fn"] == "loadTexture"]
    assert [c["files"]["0"] for c in loads] == [{"asset": "google/textures/book.png"}] and loads[0]["args"] == ["{FILE}"]
    replayed = judged([json.loads(json.dumps(o)) for o in played], job)
    assert replayed[0]["success"], replayed[0].get("error")
    kept = EpisodeFile(replayed[0]["data"]).to_episode()
    own = EpisodeFile(run_seeds(job)[0]["data"]).to_episode()  # the same code, rendering here (trusted for the test)
    assert np.array_equal(kept.color, own.color)
    bare = json.loads(json.dumps(played))
    scene = bare[0]["record"]["scene"]
    scene["calls"] = [c for c in scene["calls"] if c["fn"] != "loadTexture" and "textureUniqueId" not in c["kwargs"]]
    untextured = EpisodeFile(judged(bare, job)[0]["data"]).to_episode()
    assert not np.array_equal(untextured.color[0], kept.color[0])


def test_a_texture_outside_the_allowed_folders_is_refused(gensim_home: Path, tmp_path: Path) -> None:
    """The child's recorder names a texture file outside gensim's assets and pybullet_data as
    unsupported; a record forged to name one (a path, `..`, a non-image) is refused by the
    replayer itself. Each is a failed episode with a one-line reason, nothing kept."""
    import shutil

    import pybullet_data

    from gensim.checking.recorder import texture_ref
    from gensim.data.worker import judged, sandbox_entry
    from gensim.sim.assets import default_assets_root

    assert texture_ref(Path(pybullet_data.getDataPath()) / "checker_blue.png") == {"pybullet_data": "checker_blue.png"}
    outside = tmp_path / "book.png"
    shutil.copy(Path(default_assets_root()) / "google" / "textures" / "book.png", outside)
    code = TEXTURED.read_text().replace("os.path.join(self.assets_root, 'google', 'textures', 'book.png')", repr(str(outside)))
    job = {**_job(TEXTURED, [0]), "task": "textured-block", "code": code}
    played = json.loads(json.dumps(sandbox_entry(json.loads(json.dumps(job)))["outcomes"]))
    assert any("is not an image of gensim's assets or pybullet_data" in u
               for u in played[0]["record"]["scene"]["unsupported"])
    out = judged(played, job)
    assert not out[0]["success"] and out[0]["data"] is None
    assert "the scene uses loadTexture" in out[0]["error"] and str(outside) in out[0]["error"], out[0]["error"]
    honest = json.loads(json.dumps(sandbox_entry(json.loads(json.dumps({**job, "code": TEXTURED.read_text()})))["outcomes"]))
    for forged in ({"asset": "../../../../etc/hostname"}, {"path": str(outside)}, {"asset": "stacking/block.urdf"},
                   {"pybullet_data": str(Path(pybullet_data.getDataPath()) / "checker_blue.png")}):
        lying = json.loads(json.dumps(honest))
        load = next(c for c in lying[0]["record"]["scene"]["calls"] if c["fn"] == "loadTexture")
        load["files"]["0"] = forged
        out = judged(lying, job)
        assert not out[0]["success"] and out[0]["data"] is None, forged
        assert "loadTexture" in out[0]["error"] and "is not an image of gensim's assets or pybullet_data" in out[0]["error"]
        assert "\n" not in out[0]["error"]
    lying = json.loads(json.dumps(honest))  # a texture id no recorded loadTexture made
    change = next(c for c in lying[0]["record"]["scene"]["calls"] if "textureUniqueId" in c["kwargs"])
    change["kwargs"]["textureUniqueId"] = 7
    out = judged(lying, job)
    assert not out[0]["success"] and "was not made by a recorded loadTexture" in out[0]["error"]
