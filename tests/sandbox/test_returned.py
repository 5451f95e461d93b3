"""Pictures made in the sandbox come back as data (`gensim.sandbox.returned`): the parent keeps
only the names it expects, checked, and writes them itself; rendering jobs then run in warm
sandboxes with no folder of the parent bound in (real bwrap)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gensim.sandbox import pool, run_in_sandbox
from gensim.sandbox.returned import pack_files, unpack_files, write_file

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "convention" / "place_red_block_in_green_bowl.py"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_only_expected_names_with_their_signature_come_back(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(PNG)
    packed = pack_files([tmp_path / "a.png"])
    assert unpack_files({**packed, "../../evil.png": _b64(PNG), "b.gif": _b64(b"GIF89a")}, ["a.png"]) == {"a.png": PNG}
    assert unpack_files({}, ["a.png"]) == {}  # a missing file is the caller's "no image"
    for doc, why in (([], "not an object"), ({"a.png": 7}, "not base64"), ({"a.png": "@@@"}, "not base64"),
                     ({"a.png": _b64(b"GIF89a...")}, "not a .png"), ({"a.png": _b64(PNG * 40)}, "at most")):
        with pytest.raises(ValueError, match=why):
            unpack_files(doc, ["a.png"], max_bytes=200)
    with pytest.raises(ValueError, match="not a .txt"):  # only picture formats are known
        unpack_files({"x.txt": _b64(b"hello")}, ["x.txt"])
    target = write_file(tmp_path / "out" / "a.png", PNG)
    assert target.read_bytes() == PNG and [p.name for p in target.parent.iterdir()] == ["a.png"]


def test_a_render_of_task_code_runs_warm_and_returns_its_pictures(gensim_home: Path) -> None:
    import imageio.v3 as iio

    pool.shutdown()
    try:
        res = run_in_sandbox("gensim.generation.jobs:render_job",
                             {"code": FIXTURE.read_text(), "name": "red", "seed": 0, "png": True, "gif": False},
                             warm=True)
        assert res.ok, res.error
        assert pool.live() == 1  # the render's warm sandbox waits for the next one
        png = unpack_files(res.result["files"], ["red.png"])["red.png"]
        image = iio.imread(png)
        assert image.shape == (480, 240 + 4 + 640, 3)
        assert (image[:, :240, 0] > 150).any() and (image[:, :240, 1] > 120).any()  # the red block, the green bowl
    finally:
        pool.shutdown()
