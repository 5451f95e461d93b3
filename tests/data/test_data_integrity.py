"""Dataset integrity: one writer at a time, checksums in the manifest, every reader naming a
damaged episode in one line, and `gensim demos verify [--repair]` restoring the digest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gensim.cli.main import app
from gensim.data.format import ZIP_DATE, EpisodeFile, EpisodeReadError, encode
from gensim.data.manifest import BadDatasetError, read_manifest
from gensim.data.reader import DemoReader
from gensim.data.writer import DatasetBusyError, DatasetWriter, dataset_digest

ROOT = Path(__file__).resolve().parents[2]
NAME = "block-insertion-v1-train"


def _one_line_naming(output: str, needle: str) -> None:
    assert "Traceback" not in output and "BadZipFile:" not in output.split("(")[0]
    lines = [line for line in output.splitlines() if needle in line]
    assert lines, output


def test_a_second_writer_is_refused_and_the_lock_lets_go(tmp_path: Path) -> None:
    header = {"task": "t", "version": 1, "split": "train"}
    first = DatasetWriter(tmp_path / "ds", header)
    with pytest.raises(DatasetBusyError, match=f"being written by pid {os.getpid()}") as err:
        DatasetWriter(tmp_path / "ds", header)
    assert err.value.exit_code == 75
    first.close()
    DatasetWriter(tmp_path / "ds", header).close()


def test_encoding_is_a_pure_function_of_the_content(insertion_dir: Path) -> None:
    import io
    import zipfile

    episode = EpisodeFile(insertion_dir / "episodes" / "ep-000000.npz").to_episode()
    first = encode(episode)
    assert encode(episode) == first
    # numpy's savez would stamp every member with the current time; the format fixes it
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(first)).infolist()} == {ZIP_DATE}
    entries = read_manifest(insertion_dir)
    assert sorted(entries) == ["ep-000000.npz", "ep-000002.npz"]
    assert entries["ep-000000.npz"].bytes == (insertion_dir / "episodes" / "ep-000000.npz").stat().st_size


def test_damaged_episodes_are_named_everywhere_then_repaired(gensim_home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["demos", "block-insertion", "-n", "3", "--json", "--quiet"])
    assert made.exit_code == 0, made.output
    doc = json.loads(made.stdout)
    root, digest = Path(doc["path"]), doc["digest"]
    assert len(read_manifest(root)) == 3 and dataset_digest(root) == digest

    ok = runner.invoke(app, ["demos", "verify", NAME])
    assert ok.exit_code == 0 and "3 episodes, ok" in ok.stdout

    corrupted = root / "episodes" / "ep-000000.npz"
    data = bytearray(corrupted.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped inside an image member
    corrupted.write_bytes(bytes(data))
    truncated = root / "episodes" / "ep-000002.npz"
    truncated.write_bytes(truncated.read_bytes()[:1000])

    listed = runner.invoke(app, ["demos", "list", "--json"])
    assert listed.exit_code == 0
    assert json.loads(listed.stdout)[0]["status"] == "1 bad"  # list looks at sizes only
    _one_line_naming(listed.stderr, "ep-000002.npz: truncated, 1000 bytes")

    checked = runner.invoke(app, ["demos", "verify", NAME])
    assert checked.exit_code == 1
    assert "episodes/ep-000000.npz (seed 0): checksum" in checked.stdout
    assert "episodes/ep-000002.npz (seed 2): truncated, 1000 bytes" in checked.stdout
    assert "2 bad" in checked.stdout and "does not match the record" in checked.stdout

    resumed = runner.invoke(app, ["demos", "block-insertion", "-n", "4", "--quiet"])
    assert resumed.exit_code == 1
    _one_line_naming(resumed.stderr, "ep-000002.npz")

    exported = runner.invoke(app, ["demos", "export", NAME, "--out", str(tmp_path / "lerobot")])
    assert exported.exit_code == 1
    _one_line_naming(exported.stderr, "ep-000000.npz: checksum")  # export checks every file
    assert not (tmp_path / "lerobot" / "meta").exists()

    from gensim.data.dataset import PickPlaceDataset

    with pytest.raises(BadDatasetError, match="ep-000000.npz: checksum"):
        PickPlaceDataset([root])  # training reads go through the full check
    with pytest.raises(EpisodeReadError, match="ep-000002.npz is unreadable"):
        EpisodeFile(truncated)

    repaired = runner.invoke(app, ["demos", "verify", NAME, "--repair", "--json"])
    assert repaired.exit_code == 0, repaired.output
    report = json.loads(repaired.stdout)
    assert [(r["file"], r["result"]) for r in report["repairs"]] == [
        ("ep-000000.npz", "restored"), ("ep-000002.npz", "restored")]
    assert report["ok"] and report["digest"] == digest == report["recorded_digest"]
    assert sorted(p.name for p in (root / "damaged").iterdir()) == ["ep-000000.npz", "ep-000002.npz"]
    assert len(DemoReader(root, verify=True)) == 3
    assert runner.invoke(app, ["demos", "block-insertion", "-n", "4", "--quiet"]).exit_code == 0


@pytest.mark.slow
def test_training_names_a_corrupted_episode(gensim_home: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["demos", "block-insertion", "-n", "3", "--json", "--quiet"])
    corrupted = Path(json.loads(made.stdout)["path"]) / "episodes" / "ep-000002.npz"
    data = bytearray(corrupted.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: only the checksum tells
    corrupted.write_bytes(bytes(data))
    trained = runner.invoke(app, ["train", "--tasks", "block-insertion", "--demos", "3",
                                  "--val-episodes", "0", "--max-steps", "1", "--quiet"])
    assert trained.exit_code == 1  # the training set is checked before the first step
    _one_line_naming(trained.stderr, "ep-000002.npz: checksum")


def test_a_dataset_without_manifest_names_an_unreadable_file(insertion_dir: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "old"
    shutil.copytree(insertion_dir, root)
    (root / "manifest.jsonl").unlink()  # as written before the manifest existed
    path = root / "episodes" / "ep-000002.npz"
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(BadDatasetError, match="ep-000002.npz: unreadable"):
        DemoReader(root)
    result = CliRunner().invoke(app, ["demos", "verify", str(root)])
    assert result.exit_code == 1 and "ep-000002.npz (seed 2): unreadable" in result.stdout
    assert "ep-000000.npz (seed 0): unrecorded" in result.stdout


def _cli(*args: str, home: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENSIM_", "OPENAI_"))}
    env.update(PYTHONPATH=str(ROOT), GENSIM_HOME=str(home), MLFLOW_DISABLE_TELEMETRY="true")
    return subprocess.Popen([sys.executable, "-m", "gensim.cli.main", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_two_concurrent_writers_one_is_refused(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "ds"
    writer = _cli("demos", "stack-block-pyramid-seq-seen-colors", "-n", "12", "--out", str(out),
                  "--json", "--quiet", home=home)
    deadline = time.monotonic() + 120
    while not (out / "manifest.jsonl").is_file():  # the first writer holds the lock now
        assert writer.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    second = _cli("demos", "stack-block-pyramid-seq-seen-colors", "-n", "12", "--out", str(out),
                  "--json", "--quiet", home=home)
    _, err = second.communicate(timeout=120)
    stdout, first_err = writer.communicate(timeout=300)
    assert writer.returncode == 0, first_err
    assert second.returncode == 75
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("pybullet")]
    assert len(lines) == 1 and f"is being written by pid {writer.pid}" in lines[0], err
    report = json.loads(stdout)
    assert report["episodes"] == 12 and report["digest"] == dataset_digest(out)
    verify = _cli("demos", "verify", str(out), "--json", home=home)
    doc = json.loads(verify.communicate(timeout=120)[0])
    assert verify.returncode == 0 and doc["ok"] and doc["recorded"] == 12
