"""Demos of untrusted task code are kept on the trusted replay's word, never the task's own
rewards (`gensim.checking.episodes`, `gensim.data.worker.judged`): a task whose reward() forges
success keeps nothing, an honest one keeps exactly the episodes it kept before (same bytes).
Real sandboxes (bwrap), real physics."""

from __future__ import annotations

import json
from pathlib import Path

import gensim.cli.main  # noqa: F401 - registers the task DB as a source of task specs
from gensim.data.demos import make_demos
from gensim.data.manifest import read_manifest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HONEST = FIXTURES / "convention" / "place_red_block_in_green_bowl.py"
FORGED = FIXTURES / "replay" / "forged_red_block_in_green_bowl.py"


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


def test_stored_actions_must_be_the_replayed_ones(gensim_home: Path) -> None:
    """A child that sends a record whose actions differ from the episode it stores gets the
    episode dropped, and one that sends the record of another seed gets nothing judged."""
    from gensim.checking.episodes import recording
    from gensim.data.worker import judged, run_seeds

    job = {"task": "honest-red-block", "origin": "generated", "code": HONEST.read_text(), "entry_point": "",
           "split": "train", "views": False, "robot": "none", "meta": {}, "seeds": [0, 2]}
    with recording(render_views=False, robot="none") as env:  # the child's side, played here
        played = run_seeds(job, env)
    for outcome in played:  # through JSON, as the record leaves the sandbox
        outcome["record"] = json.loads(json.dumps(outcome["record"]))
    assert all(o["record"]["seed"] == o["seed"] for o in played)
    honest = judged([dict(o) for o in played], [0, 2], "none")
    assert [o["success"] for o in honest] == [True, True] and all(o["data"] for o in honest)
    moved = [dict(o) for o in played]
    pose0 = moved[0]["record"]["actions"][0][0]
    moved[0]["record"] = {**moved[0]["record"], "actions": [[[[pose0[0][0] + 1e-3, *pose0[0][1:]], pose0[1]],
                                                            moved[0]["record"]["actions"][0][1]]]}
    moved[1]["record"] = played[0]["record"]  # seed 0's record sent for seed 2
    out = judged(moved, [0, 2], "none")
    assert [o["success"] for o in out] == [False, False] and not any(o["data"] for o in out)
    assert "actions are not the ones its record holds" in out[0]["error"]  # the replay itself passed
    assert "record is of seed 0" in out[1]["error"]
