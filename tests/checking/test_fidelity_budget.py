"""bench/fidelity.py judges our seeds as the reference's loop does: within the task's max_steps."""

from __future__ import annotations

from bench.fidelity import within_budget


def test_a_seed_completed_only_past_max_steps_is_not_a_success() -> None:
    ours = {"stage": "budget", "seeds": {"0": {"ok": True}, "2": {"ok": True}},
            "errors": ["budget: the expert needed more actions than the task's max_steps on seed 2 (max_steps=20)"]}
    judged = within_budget(ours)
    assert judged["seeds"]["0"]["ok"] and not judged["seeds"]["2"]["ok"]
    assert ours["seeds"]["2"]["ok"]  # the cached record is left as it was


def test_other_stages_keep_their_per_seed_verdicts() -> None:
    ours = {"stage": "done", "seeds": {"0": {"ok": True}, "2": {"ok": False}}, "errors": []}
    assert within_budget(ours) == ours


def test_reference_verdicts_are_seeded_from_a_previous_table(tmp_path) -> None:
    from bench.fidelity import BEGIN, END, provenance, seed_ref_cache, table_verdicts

    text = "\n".join([BEGIN, "| task | reference (seeds 0, 2) | gensim (seeds 0, 2) | gensim stage | note |",
                      "|---|---|---|---|---|", "| a-task | ok -- | ok ok | done |  |",
                      "| b-task | -- -- | -- ok | success | ref: KeyError: 'x'; ours: success: 1 of 2 |", END])
    found = table_verdicts(text)
    assert [found["a-task"]["seeds"][s]["ok"] for s in ("0", "2")] == [True, False]
    assert found["b-task"]["seeds"]["0"]["error"] == "KeyError: 'x'"
    (tmp_path / "ref").mkdir()
    (tmp_path / "ref" / "b-task.json").write_text('{"seeds": {}}')  # run here: kept
    assert seed_ref_cache(tmp_path, ["a-task", "b-task", "c-task"], text) == ["a-task"]
    results = {"a-task": {"ref": found["a-task"]}, "b-task": {"ref": {"seeds": {}}}}
    assert provenance(results, "the full run") == (
        "Reference verdicts from the full run, reference unchanged; re-run here for tasks b-task. "
        "Its seconds per episode are those of the re-run tasks only.")


def test_a_seed_that_left_an_object_off_the_table_fails_and_the_task_does_not_pass() -> None:
    from bench.fidelity import gate_judged, passes_here

    ours = {"stage": "bounds", "seeds": {"0": {"ok": True}, "2": {"ok": True}},
            "errors": ["bounds: seed 0: objects [7] fell off the table"]}
    judged = gate_judged(ours)
    assert [judged["seeds"][s]["ok"] for s in ("0", "2")] == [False, True]
    assert not judged["admitted"] and not passes_here(judged)
    assert passes_here(gate_judged({"stage": "done", "seeds": {"0": {"ok": True}, "2": {"ok": True}}, "errors": []}))


def test_the_table_counts_a_task_as_passing_here_only_when_the_gate_admits_it() -> None:
    from bench.fidelity import gate_judged, table

    both = {"0": {"ok": True, "seconds": 1.0}, "2": {"ok": True, "seconds": 1.0}}
    ref = {"seeds": both, "wall_s": 2.0}
    ours = {
        "admitted": {"stage": "done", "seeds": {"0": {"ok": True}, "2": {"ok": True}}, "errors": []},
        # both seeds succeeded, refused after them (a stage past `success` that names no seed)
        "refused": {"stage": "replay", "seeds": {"0": {"ok": True}, "2": {"ok": True}},
                    "errors": ["replay: the actions do not reproduce the episode"]},
        "fell": {"stage": "bounds", "seeds": {"0": {"ok": True}, "2": {"ok": True}},
                 "errors": ["bounds: seed 2: objects [4] fell off the table"]},
    }
    results = {name: {"ref": ref, "ours": dict(gate_judged(o), seconds=2.0)} for name, o in ours.items()}
    md = table(results, set(results))
    row = next(line for line in md.splitlines() if line.startswith("| generated files"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # tasks, passing 2/2 (ref / ours), seeds, in both, only here, only there, agreement
    assert cells[1:7] == ["3", "3 / 1", "6 / 5 of 6", "1", "0", "2"]
    assert cells[7].startswith("5 / 6")
    refused = next(line for line in md.splitlines() if line.startswith("| refused |"))
    assert "| ok ok | replay | not admitted (`replay`)" in refused
    assert "| ok -- | bounds |" in next(line for line in md.splitlines() if line.startswith("| fell |"))
