"""Assets: template filling, the fallbacks of add_object (each recorded as a warning), colours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sim_fixtures import write_box

from gensim.sim.assets import fill_template, fill_text
from gensim.sim.colors import COLORS, resolve_color

IDENTITY = (0.0, 0.0, 0.0, 1.0)
CONVENTION_COLORS = (
    "blue red green orange yellow purple pink cyan brown white gray indigo violet black silver gold"
).split()


def test_fill_text_replaces_indexed_placeholders():
    text = "DIM0 DIM1 DIM10 HALF0 DIMX0 FNAME0 COLOR0 COLOR1 COLOR2"
    out = fill_text(text, {"DIM": list(range(11)), "HALF": 0.5, "DIMX": [7], "FNAME": ("a.obj",), "COLOR": "red"})
    r, g, b = COLORS["red"]
    assert out == f"0 1 10 0.5 7 a.obj {r:.6g} {g:.6g} {b:.6g}"


def test_fill_template_writes_a_filled_copy(tmp_path: Path):
    folder = tmp_path / "assets" / "thing"
    folder.mkdir(parents=True)
    (folder / "mesh.obj").write_text("o mesh\n")
    (folder / "thing-template.urdf").write_text(
        '<robot name="x"><link name="a"><visual><geometry><mesh filename="mesh.obj" scale="SCALE0 SCALE1 SCALE2"/>'
        '</geometry></visual><collision><geometry><box size="DIM0 DIM1 DIM2"/></geometry></collision></link></robot>'
    )
    out = tmp_path / "out"
    path = fill_template(str(tmp_path / "assets"), "thing/thing-template.urdf", {"DIM": (0.1, 0.2, 0.3), "SCALE": [1, 1, 1]}, out)
    text = Path(path).read_text()
    assert Path(path).parent == out
    assert 'size="0.1 0.2 0.3"' in text and 'scale="1 1 1"' in text
    assert f'filename="{(folder / "mesh.obj").resolve()}"' in text  # still finds its mesh
    assert (folder / "thing-template.urdf").read_text().count("DIM0") == 1  # the template is untouched


def test_fill_template_missing_files(tmp_path: Path):
    write_box(tmp_path / "box", "box")
    warnings: list[str] = []
    path = fill_template(str(tmp_path), "box/box-template.urdf", {"DIM": [1, 2, 3]}, tmp_path / "o", warnings)
    assert Path(path).is_file() and "not found: used box.urdf" in warnings[0]
    path = fill_template(str(tmp_path), "nothing/none-template.urdf", {}, tmp_path / "o", warnings)
    assert not Path(path).exists() and "nothing/none-template.urdf not found" in warnings[1]


def test_add_object_fallbacks_are_recorded(make_env, tmp_path: Path):
    assets = tmp_path / "assets"
    write_box(assets / "plain", "plain")  # only the untemplated file exists
    write_box(assets / "sized", "sized-template", size="DIM0 DIM1 HALF2")  # never filled
    env = make_env([], assets_root=None)
    env.assets_root = str(assets)  # plane, workspace and gripper were loaded from the package
    n = len(env.warnings)
    a = env.add_object("plain/plain-template.urdf", ((0.4, 0.0, 0.02), IDENTITY))
    b = env.add_object("sized/sized-template.urdf", ((0.5, 0.2, 0.05), IDENTITY))
    c = env.add_object("missing/thing.urdf", (0.6, -0.2, 0.02), color="green")
    d = env.add_object("plain/plain.urdf", ((0.6, 0.2, 0.02), IDENTITY), color="no-such-colour")
    messages = env.warnings[n:]
    assert any("plain-template.urdf not found: used plain.urdf" in m for m in messages)
    assert any("unfilled placeholders in sized/sized-template.urdf" in m for m in messages)
    assert any("missing/thing.urdf not found: used the standard 4 cm block" in m for m in messages)
    assert any("no rotation: used identity" in m for m in messages)
    assert any("unknown colour name 'no-such-colour'" in m for m in messages)
    assert env.obj_ids["rigid"] == [a, b, c, d]
    dx, dy, dz = env.get_object_size(b)
    assert 0.03 <= dx <= 0.05 and 0.03 <= dy <= 0.05 and 0.015 <= dz <= 0.025  # HALF2 = DIM2 / 2
    assert env.get_object_size(c) == pytest.approx((0.04, 0.04, 0.04), abs=1e-3)
    assert env.get_object_pose(c)[1] == pytest.approx(IDENTITY)
    rgba = env.p.getVisualShapeData(c, physicsClientId=env.client)[0][7]
    assert np.allclose(rgba[:3], COLORS["green"])
    rgba = env.p.getVisualShapeData(d, physicsClientId=env.client)[0][7]
    assert np.allclose(rgba[:3], (1.0, 0.0, 0.0))  # pure red, as the reference
    env.assets_root = str(Path(__file__).resolve().parents[2] / "gensim" / "assets")
    env.reset()
    assert env.warnings == []  # cleared on reset


def test_add_object_size_keyword_and_fixed_category(make_env, tmp_path: Path):
    sized = write_box(tmp_path, "sized-template", size="DIM0 DIM1 DIM2")
    env = make_env([(str(sized), ((0.5, 0.0, 0.1), IDENTITY), {"size": (0.06, 0.05, 0.2), "category": "fixed"})])
    (obj,) = env.task.ids
    assert env.obj_ids["fixed"] == [obj]
    assert env.get_object_size(obj) == pytest.approx((0.06, 0.05, 0.2), abs=1e-3)
    assert env.get_object_pose(obj)[0][2] == pytest.approx(0.1)  # fixed: did not fall


def test_unloadable_asset_becomes_the_block(make_env, tmp_path: Path):
    broken = tmp_path / "broken.urdf"
    broken.write_text("<robot><link")
    env = make_env([(str(broken), ((0.5, 0.0, 0.02), IDENTITY), {"category": "weird"})])
    assert any("could not be loaded" in m for m in env.warnings)
    assert any("unknown object category 'weird'" in m for m in env.warnings)
    assert env.get_object_size(env.task.ids[0]) == pytest.approx((0.04, 0.04, 0.04), abs=1e-3)


def test_colour_table_and_resolution():
    assert set(CONVENTION_COLORS) <= set(COLORS)
    assert all(len(rgb) == 3 and all(0 <= c <= 1 for c in rgb) for rgb in COLORS.values())
    assert resolve_color("Blue") == (*COLORS["blue"], 1.0)
    assert resolve_color([1, 0, 0]) == (1.0, 0.0, 0.0, 1.0)
    assert resolve_color((255, 128, 0, 255))[:2] == pytest.approx((1.0, 128 / 255))
    warnings: list[str] = []
    assert resolve_color("mauve-ish", warnings) == (1.0, 0.0, 0.0, 1.0) and len(warnings) == 1


def test_unfilled_placeholders_take_the_references_draws():
    # Three draws per key still in the text, in the reference's key order, whatever is used.
    from gensim.sim.assets import fill_size_placeholders, reference_fill_draws

    np.random.seed(3)
    expected = np.random.uniform(0.03, 0.05, size=6).tolist() + np.random.uniform(0.01, 0.03, size=3).tolist()
    after = np.random.random()
    np.random.seed(3)
    drawn = reference_fill_draws("<box size='DIMX0 DIM1 HALF2'/>", np.random)
    assert [drawn[k] for k in ("DIMX0", "DIMX1", "DIMX2", "DIM0", "DIM1", "DIM2", "HALF0", "HALF1", "HALF2")] \
        == pytest.approx(expected)
    assert np.random.random() == after
    np.random.seed(3)
    assert set(reference_fill_draws("DIMX0 DIMY1", np.random)) == {f"DIM{a}{i}" for a in "XY" for i in range(3)}
    np.random.seed(3)
    text, used = fill_size_placeholders("DIM0 DIM1 HALF1 HALF0", np.random, original="DIM0 DIM1 HALF1 HALF0")
    assert used["HALF1"] == pytest.approx(used["DIM1"] / 2) and used["DIM0"] == pytest.approx(expected[0])
    np.random.seed(3)  # the size was the task's: the reference's own HALF draw
    text, used = fill_size_placeholders("0.1 HALF2", np.random, original="DIMX0 HALF2")
    u = np.random.RandomState(3).random_sample(6)  # DIMX0..2, then HALF0..2
    assert text == f"0.1 {used['HALF2']:.6g}" and used["HALF2"] == pytest.approx(0.01 + 0.02 * u[5])


def test_messages_name_a_filled_copy_without_its_random_name(tmp_path: Path) -> None:
    from gensim.sim.assets import shown_name, write_filled

    first, second = write_filled("<robot/>", "corner", tmp_path), write_filled("<robot/>", "corner", tmp_path)
    assert first != second  # pybullet caches files by name: every fill gets a fresh one
    assert shown_name(first) == shown_name(second) == "filled corner.urdf"
    assert shown_name("stacking/block.urdf") == "stacking/block.urdf"
