"""`make_demos` end to end: real expert episodes, the DB row, the MLflow run, resume and append,
failed attempts (through the sandbox for task code), and the CLI's JSON contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gensim.cli.main import app
from gensim.data.demos import make_demos
from gensim.data.format import EpisodeFile
from gensim.data.reader import DemoReader
from tests.data.conftest import dead_pid

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "convention" / "place_red_block_in_green_bowl.py"
JSON_KEYS = ("task", "version", "split", "episodes", "failures", "path", "bytes_per_episode",
             "episodes_per_minute", "mlflow_run_id")


def _client() -> Any:
    from mlflow.tracking import MlflowClient

    from gensim.config import get_settings

    return MlflowClient(tracking_uri=get_settings().tracking_uri)


def test_demos_record_dataset_row_and_mlflow_run(gensim_home: Path) -> None:
    from gensim.db import provenance, repository

    report = make_demos("block-insertion", 2, "train", workers=1)
    assert report.episodes == 2 and report.seeds == [0, 2] and report.failures == 0
    assert report.expert_success_rate == 1.0 and report.episodes_per_minute > 0
    assert 1000 < report.bytes_per_episode < 200_000
    version = repository.get_version(report.version_id)
    assert version.code_hash == report.code_hash
    row = provenance.get_dataset(report.dataset_id)
    assert (row.name, row.split, row.n_episodes, row.seeds) == ("block-insertion-v1-train", "train", 2, [0, 2])
    assert row.digest == report.digest and row.size_bytes == report.size_bytes
    assert row.mlflow_run_id == report.mlflow_run_id
    assert [v.id for v in provenance.versions_of_dataset(row.id)] == [report.version_id]

    client = _client()
    run = client.get_run(report.mlflow_run_id)
    assert run.info.status == "FINISHED" and run.info.run_name.startswith("demos block-insertion train ")
    assert run.data.params["task"] == "block-insertion" and run.data.params["n"] == "2"
    assert run.data.params["executor"] == "local" and run.data.params["workers"] == "1"
    for key in ("episodes_per_minute", "expert_success_rate", "bytes_per_episode", "failures"):
        assert key in run.data.metrics
    inputs = run.inputs.dataset_inputs
    assert inputs and inputs[0].dataset.digest == report.digest[:36]
    assert inputs[0].dataset.name == "block-insertion-v1-train"
    artifacts = [a.path for a in client.list_artifacts(run.info.run_id, "sample")]
    assert artifacts == ["sample/episode-000000.gif"]

    for path in sorted(Path(report.path, "episodes").glob("*.npz")):
        episode = EpisodeFile(path)
        assert episode.meta["version_id"] == report.version_id
        assert episode.meta["code_hash"] == report.code_hash and episode.meta["split"] == "train"


def test_resume_after_a_kill_leaves_no_half_episode(gensim_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    first = make_demos("block-insertion", 1, "val", out=out, track=False)
    assert first.seeds == [1]
    # What a run killed while writing seed 3 leaves behind: a partial temporary file.
    (out / "episodes" / f".ep-000003.npz.{dead_pid()}.tmp").write_bytes(b"PK\x03\x04 half")
    second = make_demos("block-insertion", 3, "val", out=out, workers=2, track=False)
    assert second.seeds == [1, 3, 5] and second.new_episodes == 2
    assert not list(out.rglob("*.tmp"))
    first_bytes = (out / "episodes" / "ep-000001.npz").read_bytes()
    third = make_demos("block-insertion", 3, "val", out=out, track=False)
    assert third.new_episodes == 0 and third.seeds == [1, 3, 5]
    assert (out / "episodes" / "ep-000001.npz").read_bytes() == first_bytes  # nothing rewritten


def test_failed_attempts_consume_seeds_in_the_sandbox(gensim_home: Path, tmp_path: Path) -> None:
    from gensim.db import repository

    code = FIXTURE.read_text().replace(
        "        super().reset(env)\n",
        "        super().reset(env)\n        if random.random() < 0.5:\n"
        "            raise RuntimeError('unlucky seed')\n", 1)
    repository.add_task_version("unlucky-red-block", code, "flaky on purpose", status="admitted")
    out = tmp_path / "ds"
    report = make_demos("unlucky-red-block", 2, "train", out=out, track=False)
    import random

    unlucky = []
    for seed in range(0, 40, 2):
        random.seed(seed)
        unlucky.append(random.random() < 0.5)
    expected = [s for s, bad in zip(range(0, 40, 2), unlucky, strict=True) if not bad][:2]
    assert report.seeds == expected
    assert report.failures == sum(unlucky[: expected[-1] // 2]) == report.new_failures
    failures = sorted((out / "failures").glob("*.json"))
    assert all("unlucky seed" in json.loads(p.read_text())["error"] for p in failures)
    assert DemoReader(out).episode(0).meta["origin"] == "generated"


def test_cli_json_contract_and_both_forms(gensim_home: Path) -> None:
    runner = CliRunner()
    short = runner.invoke(app, ["demos", "block-insertion", "-n", "1", "--split", "test", "--json"])
    assert short.exit_code == 0, short.output
    doc = json.loads(short.stdout)
    assert all(key in doc for key in JSON_KEYS)
    assert (doc["task"], doc["split"], doc["episodes"], doc["failures"]) == ("block-insertion", "test", 1, 0)
    assert doc["version"] == 1 and doc["mlflow_run_id"] and Path(doc["path"]).is_dir()
    long = runner.invoke(app, ["demos", "make", "block-insertion", "-n", "1", "--split", "test",
                               "--json", "--quiet"])
    assert long.exit_code == 0, long.output
    assert json.loads(long.stdout)["path"] == doc["path"]
    listed = runner.invoke(app, ["demos", "list", "--json"])
    assert listed.exit_code == 0
    assert [d["name"] for d in json.loads(listed.stdout)] == ["block-insertion-v1-test"]
    typo = runner.invoke(app, ["demos", "block-insertoin", "-n", "1"])
    assert typo.exit_code == 2 and "block-insertion" in typo.output
    bad = runner.invoke(app, ["demos", "block-insertion", "--split", "dev"])
    assert bad.exit_code == 2 and "split" in bad.output


def test_bad_numbers_are_usage_errors(gensim_home: Path) -> None:
    from gensim.errors import UsageError

    with pytest.raises(UsageError):
        make_demos("block-insertion", 0)
    with pytest.raises(UsageError):
        make_demos("block-insertion", 1, workers=0)
    with pytest.raises(UsageError, match="executor"):
        make_demos("block-insertion", 1, executor="dask", track=False)
