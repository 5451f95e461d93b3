"""bench/bench_expert.py --cache: a task's success row is written as soon as it is done and reused."""

import json
from types import SimpleNamespace

import gensim.checking.gate as gate
from bench import bench_expert


def test_success_row_written_to_the_cache(tmp_path, monkeypatch):
    def fake_check(name, seeds, threshold):
        ok = [s != 2 for s in seeds]
        return SimpleNamespace(seeds=list(seeds), successes=ok, rewards=[1.0 if o else 0.5 for o in ok],
                               errors=[], success_rate=sum(ok) / len(ok))

    monkeypatch.setattr(gate, "check_task", fake_check)
    row = bench_expert._success(("block-insertion", 4, str(tmp_path), "abc1234"))
    kept = json.loads((tmp_path / "block-insertion.json").read_text())
    assert kept == row
    assert kept["success"] == 0.75 and kept["failed"] == "2: 0.50" and kept["commit"] == "abc1234"
    assert not list(tmp_path.glob("*.tmp"))


def test_cached_rows_are_reused_and_not_run(tmp_path, monkeypatch, capsys):
    for name, rate in (("block-insertion", 1.0), ("align-rope", 0.75)):
        row = {"task": name, "seeds": 20, "success": rate, "seconds": 3.0, "failed": "" if rate == 1 else "4: 0.2",
               "commit": "abc1234"}
        (tmp_path / f"{name}.json").write_text(json.dumps(row))

    def must_not_run(args):
        raise AssertionError(f"ran {args[0]} although it is in the cache")

    monkeypatch.setattr(bench_expert, "_success", must_not_run)
    bench_expert.success_table(20, ["block-insertion", "align-rope"], str(tmp_path))
    out = capsys.readouterr().out
    assert "| block-insertion | 1.00 | 0.95 | yes | 3 | - | abc1234 |" in out
    assert "| align-rope | 0.75 | 0.80 | NO | 3 | 4: 0.2 | abc1234 |" in out
    assert "1 of 2 tasks meet their target." in out
    # another seed count is not the same row
    assert bench_expert._cached(str(tmp_path), "block-insertion", 5) is None
    (tmp_path / "align-rope.json").write_text("{torn")
    assert bench_expert._cached(str(tmp_path), "align-rope", 20) is None
