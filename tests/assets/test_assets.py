"""The convention's assets under gensim/assets/: present, loadable, sized and shaped as documented.

Each test runs its own headless PyBullet client with a ground plane at z = 0. Templates are
filled here by plain text replacement (and relative mesh paths made absolute, as the simulator's
`fill_template` does), so these tests do not depend on gensim.sim.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "gensim" / "assets"
PLACEHOLDER = re.compile(r"\b(DIMX|DIMY|DIM|HALF|FNAME|SCALE|COLOR)(\d)\b")
# PyBullet's AABB of a mesh (convex hull) body is this much larger on each side, that of a body
# made of several primitives 1 mm larger, that of a cylinder primitive 2 mm, that of another single
# primitive exact.
MESH_AABB_MARGIN = 0.003
COMPOUND_AABB_MARGIN = 0.001
CYLINDER_AABB_MARGIN = 0.002
# A mesh body keeps this collision margin around its hull: it rests that much higher.
MESH_CONTACT_MARGIN = 0.001


def aabb_margin(urdf_text: str) -> float:
    if "<mesh" in urdf_text:
        return MESH_AABB_MARGIN
    if urdf_text.count("<collision>") == 1 and "<cylinder" in urdf_text:
        return CYLINDER_AABB_MARGIN
    return COMPOUND_AABB_MARGIN if urdf_text.count("<collision>") > 1 else 0.0

# Template -> (exact placeholders, a sensible filling, expected AABB extents or None).
TEMPLATES: dict[str, tuple[set[str], dict[str, Sequence[Any]], tuple[float, float, float] | None]] = {
    "box/box-template.urdf": ({"DIM0", "DIM1", "DIM2"}, {"DIM": (0.05, 0.03, 0.02)}, (0.05, 0.03, 0.02)),
    "container/container-template.urdf": (
        {"DIM0", "DIM1", "DIM2", "HALF0", "HALF1", "HALF2"},
        {"DIM": (0.2, 0.15, 0.05), "HALF": (0.1, 0.075, 0.025)}, (0.202, 0.152, 0.051)),
    # DIM0 of cylinders and balls is a radius, as in the reference's templates
    "cylinder/cylinder-template.urdf": ({"DIM0", "DIM2"}, {"DIM": (0.02, 0.02, 0.06)}, (0.04, 0.04, 0.06)),
    "ball/ball-template.urdf": ({"DIM0"}, {"DIM": (0.02, 0.02, 0.02)}, (0.04, 0.04, 0.04)),
    "sphere/sphere-template.urdf": ({"DIM0"}, {"DIM": (0.015, 0.015, 0.015)}, (0.03, 0.03, 0.03)),
    "line/line-template.urdf": ({"DIM0"}, {"DIM": (0.3, 0.01, 0.01)}, None),
    "line/single-green-line-template.urdf": ({"DIM0"}, {"DIM": (0.3,)}, None),
    "corner/corner-template.urdf": (
        {"DIMX0", "DIMX1", "DIMY0", "DIMY1"}, {"DIMX": (0.0275, 0.0025), "DIMY": (0.0025, 0.0275)}, None),
    "square/square-template.urdf": ({"DIM0", "HALF0"}, {"DIM": (0.2,), "HALF": (0.095,)}, None),
    "kitting/object-template.urdf": (
        {"FNAME0", "SCALE0", "SCALE1", "SCALE2", "COLOR0", "COLOR1", "COLOR2"},
        {"FNAME": (str(ASSETS / "kitting" / "03.obj"),), "SCALE": (0.003, 0.003, 0.001), "COLOR": (1, 0, 0)},
        (0.06, 0.06, 0.02)),
}

# Fixed asset -> (z that rests it on the table (half its nominal height), bottom-z check wanted).
FIXED: dict[str, float] = {
    "stacking/block.urdf": 0.02, "stacking/stand.urdf": 0.0025, "block/block.urdf": 0.02,
    "block/small.urdf": 0.005, "block/block_for_anchors.urdf": 0.02, "bowl/bowl.urdf": 0.0,
    "pallet/pallet.urdf": 0.01875, "insertion/ell.urdf": 0.02, "insertion/fixture.urdf": 0.02,
    "sphere/sphere.urdf": 0.03, "ball/ball.urdf": 0.03, "kitting/kit.urdf": 0.0025,
    "hanoi/stand.urdf": 0.005, "hanoi/disk0.urdf": 0.005, "hanoi/disk1.urdf": 0.005,
    "hanoi/disk2.urdf": 0.005,
}
MARKERS = ["zone/zone.urdf"]
SPEC_PATHS = (list(TEMPLATES) + list(FIXED) + MARKERS
              + [f"kitting/{i:02d}.obj" for i in range(20)] + ["kitting/shapes.json", "google/objects.json"])


def fill(rel: str, replace: Mapping[str, Sequence[Any]], out_dir: Path) -> str:
    """The filled copy of a template: `Ki` -> i-th value; relative mesh paths made absolute."""
    path = ASSETS / rel
    text = path.read_text()
    for key, values in replace.items():
        for i, value in enumerate(values):
            text = re.sub(rf"\b{key}{i}\b", str(value), text)
    text = re.sub(r'filename="([^"/][^"]*)"', lambda m: f'filename="{path.parent / m.group(1)}"', text)
    # A fresh name per copy: PyBullet caches what it loaded by file name.
    out = out_dir / f"{path.stem}.{len(list(out_dir.iterdir()))}.urdf"
    out.write_text(text)
    return str(out)


@pytest.fixture
def sim() -> Iterator[Any]:
    """A headless client with gravity and a ground plane at z = 0; yields (pybullet, client)."""
    import pybullet as p

    client = p.connect(p.DIRECT)
    p.setGravity(0, 0, -9.8, physicsClientId=client)
    p.setTimeStep(1 / 240, physicsClientId=client)
    plane = p.createCollisionShape(p.GEOM_PLANE, physicsClientId=client)
    p.createMultiBody(0, plane, physicsClientId=client)
    yield p, client
    p.disconnect(client)


def load(sim: Any, urdf: str, xyz: Sequence[float], yaw: float = 0.0, fixed: bool = False) -> int:
    p, client = sim
    quat = p.getQuaternionFromEuler((0, 0, yaw))
    path = urdf if Path(urdf).is_absolute() else str(ASSETS / urdf)
    return int(p.loadURDF(path, xyz, quat, useFixedBase=fixed, physicsClientId=client))


def step(sim: Any, seconds: float) -> None:
    p, client = sim
    for _ in range(int(seconds * 240)):
        p.stepSimulation(physicsClientId=client)


def aabb(sim: Any, body: int) -> tuple[Sequence[float], Sequence[float]]:
    p, client = sim
    lo, hi = p.getAABB(body, physicsClientId=client)
    return lo, hi


def position(sim: Any, body: int) -> Sequence[float]:
    p, client = sim
    return p.getBasePositionAndOrientation(body, physicsClientId=client)[0]


def test_every_spec_asset_exists() -> None:
    missing = [rel for rel in SPEC_PATHS if not (ASSETS / rel).is_file()]
    assert not missing, f"missing assets: {missing}"


@pytest.mark.parametrize("rel", sorted(TEMPLATES))
def test_template_placeholders_are_exactly_the_spec_ones(rel: str) -> None:
    found = {"".join(m) for m in PLACEHOLDER.findall((ASSETS / rel).read_text())}
    assert found == TEMPLATES[rel][0]


@pytest.mark.parametrize("rel", sorted(TEMPLATES))
def test_filled_template_loads_with_documented_size(rel: str, sim: Any, tmp_path: Path) -> None:
    _, replace, size = TEMPLATES[rel]
    urdf = fill(rel, replace, tmp_path)
    assert not PLACEHOLDER.search(Path(urdf).read_text())
    body = load(sim, urdf, (0, 0, 0.1))
    if size is not None:
        lo, hi = aabb(sim, body)
        margin = 2 * aabb_margin(Path(urdf).read_text())
        for axis in range(3):
            assert hi[axis] - lo[axis] - margin == pytest.approx(size[axis], abs=0.0015), (rel, axis)


def test_cylinder_template_keeps_its_frame_centred(sim: Any, tmp_path: Path) -> None:
    # A cylinder placed at z = height / 2 must rest with its bottom on the table.
    body = load(sim, fill("cylinder/cylinder-template.urdf", {"DIM": (0.05, 0.05, 0.1)}, tmp_path), (0, 0, 0.05))
    lo, hi = aabb(sim, body)
    assert lo[2] + CYLINDER_AABB_MARGIN == pytest.approx(0.0, abs=0.001)
    assert hi[2] - CYLINDER_AABB_MARGIN == pytest.approx(0.1, abs=0.001)
    step(sim, 0.5)
    assert position(sim, body)[2] == pytest.approx(0.05, abs=0.002)


@pytest.mark.parametrize("rel", sorted(FIXED))
def test_fixed_asset_rests_on_the_table_at_half_its_height(rel: str, sim: Any) -> None:
    z = FIXED[rel]
    body = load(sim, rel, (0.1, -0.2, z))
    lo, _ = aabb(sim, body)
    margin = aabb_margin((ASSETS / rel).read_text())
    assert lo[2] + margin == pytest.approx(0.0, abs=0.001), f"{rel}: bottom at {lo[2]:.4f}"
    step(sim, 0.4)
    moved = math.dist(position(sim, body), (0.1, -0.2, z))
    assert moved < 0.004, f"{rel} moved {moved:.4f} m after settling"


def test_zone_is_a_static_visual_marker_on_the_table(sim: Any) -> None:
    p, client = sim
    body = load(sim, "zone/zone.urdf", (0.3, 0, 0))
    step(sim, 0.2)
    assert position(sim, body)[2] == pytest.approx(0.0, abs=1e-6)  # mass 0: static even if not fixed
    shapes = p.getVisualShapeData(body, physicsClientId=client)
    xs = [s[5][0] + s[3][0] / 2 for s in shapes]
    assert max(xs) == pytest.approx(0.06, abs=0.001)  # 12 cm outline
    assert all(s[5][2] - s[3][2] / 2 >= -1e-9 for s in shapes)  # nothing below the table
    block = load(sim, "block/block.urdf", (0.3 + 0.055, 0, 0.02))
    step(sim, 0.3)
    assert position(sim, block)[2] == pytest.approx(0.02, abs=0.002)  # no collision with the marker


BOWL_CENTRE = (-0.02479, 0.00803)  # the bowl's centre in its frame (the reference's, README)


def test_pallet_is_slatted_like_the_reference_and_collides_as_a_block(sim: Any) -> None:
    """Seen from above, the pallet's top boards leave the reference's 1.75 cm gaps (free space
    for the oracle camera); it collides as the reference's does, as one 30 x 25 x 3.75 cm block."""
    p, client = sim
    body = load(sim, "pallet/pallet.urdf", (0.5, 0.0, 0.01875), fixed=True)
    visuals = p.getVisualShapeData(body, physicsClientId=client)
    top = sorted((round(v[5][0] - v[3][0] / 2, 4), round(v[5][0] + v[3][0] / 2, 4))
                 for v in visuals if v[5][2] > 0.01)
    assert top == [(-0.15, -0.115), (-0.0975, -0.0725), (-0.055, -0.03), (-0.0125, 0.0125),
                   (0.03, 0.055), (0.0725, 0.0975), (0.115, 0.15)]
    lo, hi = aabb(sim, body)
    size = [hi[a] - lo[a] - 2 * MESH_AABB_MARGIN for a in range(3)]
    assert size == pytest.approx((0.3, 0.25, 0.0375), abs=2e-4)
    hit = p.rayTest((0.5 - 0.106, 0.05, 0.1), (0.5 - 0.106, 0.05, -0.1), physicsClientId=client)[0]
    assert hit[0] == body and hit[3][2] == pytest.approx(0.0375 + MESH_CONTACT_MARGIN, abs=3e-4)  # over a gap: solid


def test_hanoi_rings_are_64_gons_with_a_corner_on_x() -> None:
    """The reference's rings are 64-gons with a corner on +x: ours too, so their outline seen
    from above (the free space around a ring) is the same."""
    for i, radius in enumerate((0.03, 0.035, 0.04, 0.045)):
        text = (ASSETS / "hanoi" / f"disk{i}.obj").read_text()
        assert text.count("\no part") == 64
        points = [[float(v) for v in line.split()[1:]] for line in text.splitlines() if line.startswith("v ")]
        assert any(x == pytest.approx(radius) and y == pytest.approx(0.0, abs=1e-6) for x, y, _ in points)
        # what collides is a 20-gon: 64 parts per ring made towers-of-hanoi's physics 3.5x costlier
        collision = (ASSETS / "hanoi" / f"disk{i}_collision.obj").read_text()
        assert collision.count("\no part") == 20
        assert f"disk{i}_collision.obj" in (ASSETS / "hanoi" / f"disk{i}.urdf").read_text()


def test_zone_bars_have_the_reference_inner_edges() -> None:
    """The zone's bars end where the reference's do, to the hundredth of a millimetre (x at
    -5.4018 / +5.4012 cm, y at -5.4012 / +5.4018 cm): with 6 mm bars the free-space image
    differed by a pixel at some yaws, and every later random pose with it."""
    text = (ASSETS / "zone" / "zone.urdf").read_text()
    boxes = re.findall(r'<origin xyz="([^"]+)"[^>]*/>\s*<geometry><box size="([^"]+)"/>', text)
    edges = set()
    for xyz, size in boxes:
        (x, y, _), (sx, sy, _) = ([float(v) for v in t.split()] for t in (xyz, size))
        if sx < sy:  # a bar along y: its inner x edge
            edges.add(("x", round(x - sx / 2 if x > 0 else x + sx / 2, 6)))
        else:
            edges.add(("y", round(y - sy / 2 if y > 0 else y + sy / 2, 6)))
    assert edges == {("x", -0.054018), ("x", 0.054012), ("y", -0.054012), ("y", 0.054018)}


@pytest.mark.parametrize("offset", [(0.0, 0.0), (BOWL_CENTRE[0] + 0.03, BOWL_CENTRE[1] - 0.02)])
def test_block_dropped_into_the_bowl_stays_inside(offset: tuple[float, float], sim: Any) -> None:
    load(sim, "bowl/bowl.urdf", (0.5, 0, 0), fixed=True)
    block = load(sim, "block/block.urdf", (0.5 + offset[0], offset[1], 0.09), yaw=0.4)
    step(sim, 1.5)
    x, y, z = position(sim, block)
    assert math.hypot(x - 0.5 - BOWL_CENTRE[0], y - BOWL_CENTRE[1]) < 0.035, "block left the bowl"
    # with the reference's friction (1.0) a block may rest tilted against the wall, a few mm up
    assert z < 0.035, f"block did not reach the bowl floor (z = {z:.3f})"


def test_bowl_has_the_reference_outline_off_its_frame(sim: Any) -> None:
    """Seen from above, the bowl is the reference's: a 11.37 cm disc centred 2.48 cm behind and
    0.8 cm beside the frame (free-space draws after a bowl depend on every pixel of it); its
    collision cup spans 11.53 x 11.80 x 3.51 cm, as there (AABB = geometry + 3 mm a side)."""
    p, client = sim
    body = load(sim, "bowl/bowl.urdf", (0.5, 0.0, 0.0), fixed=True)
    visual = p.getVisualShapeData(body, physicsClientId=client)
    assert len(visual) == 1 and visual[0][4].decode().endswith("bowl.obj")
    lines = (ASSETS / "bowl" / "bowl.obj").read_text().splitlines()
    points = [[float(v) for v in line.split()[1:]] for line in lines if line.startswith("v ")]
    lo, hi = (list(map(f, zip(*points, strict=True))) for f in (min, max))
    assert [b - a for a, b in zip(lo, hi, strict=True)] == pytest.approx((0.11371, 0.11371, 0.0346), abs=1e-4)
    assert [(a + b) / 2 for a, b in zip(lo[:2], hi[:2], strict=True)] == pytest.approx(BOWL_CENTRE, abs=1e-4)
    lo, hi = aabb(sim, body)
    size = [hi[a] - lo[a] - 2 * MESH_AABB_MARGIN for a in range(3)]
    assert size == pytest.approx((0.1153, 0.118, 0.0351), abs=5e-4)


def test_bowl_collision_cup_is_coarse() -> None:
    """The collision cup is a floor and 16 wall parts: each convex part is one more contact
    query in every physics step, and a 96-part cup (the visual outline's fineness) made a bowl
    task's episodes about twice as costly on the CPU. Only the visual outline must be fine."""
    collision = (ASSETS / "bowl" / "bowl_collision.obj").read_text().splitlines()
    visual = (ASSETS / "bowl" / "bowl.obj").read_text().splitlines()
    parts = sum(line.startswith(("o ", "g ")) for line in collision)
    assert parts == 17
    assert sum(line.startswith(("o ", "g ")) for line in visual) == 97


def test_ell_dropped_above_the_fixture_slot_goes_in(sim: Any) -> None:
    load(sim, "insertion/fixture.urdf", (0.5, 0.1, 0.02), yaw=0.3, fixed=True)
    ell = load(sim, "insertion/ell.urdf", (0.502, 0.098, 0.07), yaw=0.3 + 0.05)
    step(sim, 1.0)
    x, y, z = position(sim, ell)
    assert z == pytest.approx(0.02, abs=0.004), f"ell stuck at z = {z:.3f}"
    assert math.hypot(x - 0.5, y - 0.1) < 0.006  # the slot keeps it within the 1 cm goal tolerance


def test_ell_turned_a_quarter_does_not_fit_the_slot(sim: Any) -> None:
    load(sim, "insertion/fixture.urdf", (0.5, 0.1, 0.02), fixed=True)
    ell = load(sim, "insertion/ell.urdf", (0.5, 0.1, 0.07), yaw=math.pi / 2)
    step(sim, 1.0)
    x, y, z = position(sim, ell)
    # The frame's thin walls either catch it or push it aside: it never ends in the slot.
    assert z > 0.03 or math.hypot(x - 0.5, y - 0.1) > 0.01, f"turned ell settled in the slot at {x, y, z}"


def test_hanoi_disks_slide_down_the_pegs(sim: Any) -> None:
    load(sim, "hanoi/stand.urdf", (0.5, 0, 0.005), fixed=True)
    below = 0.01  # top of the 1 cm base
    for i in (2, 1, 0):  # largest first
        disk = load(sim, f"hanoi/disk{i}.urdf", (0.5, 0.12, 0.09))
        step(sim, 0.8)
        x, y, z = position(sim, disk)
        assert math.hypot(x - 0.5, y - 0.12) < 0.01, f"disk{i} off the peg"  # the 1 cm clearance
        # Down the peg onto the ring below (1 cm rings with a 1.5 cm hole may rest a little
        # tilted, as the reference's do), never caught above the peg's top (z = 0.055).
        assert below < z < below + 0.016, f"disk{i} at z = {z:.4f}, ring below ends at {below:.4f}"
        below = z + 0.005
    radii = [aabb(sim, load(sim, f"hanoi/disk{i}.urdf", (0, 0.5, 0.1), fixed=True)) for i in range(3)]
    widths = [hi[0] - lo[0] - 2 * MESH_AABB_MARGIN for lo, hi in radii]
    assert widths == pytest.approx([0.06, 0.07, 0.08], abs=0.001)  # disk0 is the smallest


def test_pyramid_stand_tiles_are_where_the_readme_says(sim: Any) -> None:
    load(sim, "stacking/stand.urdf", (0.5, 0, 0.0025), fixed=True)
    for y in (-0.05, 0.0, 0.05):
        block = load(sim, "stacking/block.urdf", (0.5, y, 0.035))
        step(sim, 0.4)
        assert position(sim, block)[2] == pytest.approx(0.005 + 0.02, abs=0.002)


def test_kitting_table_and_meshes(sim: Any, tmp_path: Path) -> None:
    doc = json.loads((ASSETS / "kitting" / "shapes.json").read_text())
    shapes = doc["shapes"]
    assert [s["index"] for s in shapes] == list(range(20))
    assert doc["train_set"] == list(range(14)) and doc["test_set"] == list(range(14, 20))
    assert len({s["name"] for s in shapes}) == 20
    for s in shapes:
        urdf = fill("kitting/object-template.urdf",
                    {"FNAME": (str(ASSETS / s["file"]),), "SCALE": doc["scale"], "COLOR": (0.5, 0.5, 0.5)},
                    tmp_path)
        lo, hi = aabb(sim, load(sim, urdf, (0, 0, 0.5), fixed=True))
        dx, dy, dz = (hi[a] - lo[a] for a in range(3))
        dx, dy, dz = (d - 2 * MESH_AABB_MARGIN for d in (dx, dy, dz))
        assert 0.054 <= max(dx, dy) <= 0.0755 and min(dx, dy) >= 0.03, (s["name"], dx, dy)
        assert dz == pytest.approx(0.02, abs=0.001)
        assert [round(dx, 3), round(dy, 3)] == pytest.approx(s["size_m_at_scale"][:2], abs=0.0011)
    for slot in doc["kit_slots_m"]:  # a 6 cm shape in any slot stays on the 28 x 20 cm board
        assert abs(slot[0]) + 0.03 <= 0.14 and abs(slot[1]) + 0.03 <= 0.1


# The reference's kitting footprints (x, y in metres at scale 0.003), measured from its meshes:
# the free space left after a shape is placed, and so every later random pose, depends on them.
REFERENCE_KIT_FOOTPRINTS = {"letter R shape": (0.0405, 0.0567), "triangle": (0.06, 0.06), "square": (0.06, 0.06),
                            "diamond": (0.075, 0.06), "pentagon": (0.0572, 0.0544), "rectangle": (0.075, 0.045),
                            "star": (0.0575, 0.0605), "letter E shape": (0.032, 0.0567), "hexagon": (0.052, 0.06),
                            "heart": (0.0575, 0.0528)}


def test_kitting_shapes_have_the_reference_footprints() -> None:
    """Each mesh spans the reference's footprint, is centred on its bounding box and is 20 units
    tall (2 cm at the object scale), as the reference's."""
    shapes = json.loads((ASSETS / "kitting" / "shapes.json").read_text())["shapes"]
    for s in shapes:
        lines = (ASSETS / s["file"]).read_text().splitlines()
        points = [[float(v) for v in line.split()[1:]] for line in lines if line.startswith("v ")]
        lo, hi = (list(map(f, zip(*points, strict=True))) for f in (min, max))
        assert [a + b for a, b in zip(lo, hi, strict=True)] == pytest.approx((0, 0, 0), abs=1e-4), s["name"]
        assert hi[2] - lo[2] == pytest.approx(20.0)
        if s["name"] in REFERENCE_KIT_FOOTPRINTS:
            size = [(b - a) * 0.003 for a, b in zip(lo[:2], hi[:2], strict=True)]
            assert size == pytest.approx(REFERENCE_KIT_FOOTPRINTS[s["name"]], abs=1e-4), s["name"]


def test_concave_kitting_shape_collides_as_its_outline(sim: Any, tmp_path: Path) -> None:
    ring = json.loads((ASSETS / "kitting" / "shapes.json").read_text())["shapes"][16]
    assert ring["name"] == "ring"
    urdf = fill("kitting/object-template.urdf",
                {"FNAME": (str(ASSETS / ring["file"]),), "SCALE": (0.003, 0.003, 0.001), "COLOR": (1, 1, 1)},
                tmp_path)
    load(sim, urdf, (0, 0, 0.005))  # rigid: PyBullet uses one convex hull per OBJ group
    p, client = sim
    pebble = p.createMultiBody(0.01, p.createCollisionShape(p.GEOM_SPHERE, radius=0.004, physicsClientId=client),
                               basePosition=(0, 0, 0.05), physicsClientId=client)
    step(sim, 0.6)
    assert position(sim, pebble)[2] < 0.006  # fell through the hole onto the table


def test_household_objects_table(sim: Any) -> None:
    p, client = sim
    doc = json.loads((ASSETS / "google" / "objects.json").read_text())
    objects = doc["objects"]
    assert len(objects) >= 16 and len({o["name"] for o in objects}) == len(objects)
    assert sorted(doc["splits"]["train"] + doc["splits"]["test"]) == sorted(o["name"] for o in objects)
    for o in objects:
        for key in ("urdf", "mesh", "texture"):
            assert (ASSETS / o[key]).is_file(), o[key]
        body = load(sim, o["urdf"], (0.5, 0, o["size_m"][2] / 2))
        lo, hi = aabb(sim, body)
        size = [hi[a] - lo[a] - 2 * MESH_AABB_MARGIN for a in range(3)]
        assert size == pytest.approx(o["size_m"], abs=0.001), o["name"]
        assert 0.06 <= max(size) <= 0.1, o["name"]
        assert lo[2] + MESH_AABB_MARGIN == pytest.approx(0.0, abs=0.001), o["name"]
        # A flat-ish top: a patch of downward rays lands within 4 mm of the highest point.
        n = 15
        starts = [(lo[0] + (hi[0] - lo[0]) * (i + 0.5) / n, lo[1] + (hi[1] - lo[1]) * (j + 0.5) / n, 0.3)
                  for i in range(n) for j in range(n)]
        hits = p.rayTestBatch(starts, [(x, y, -0.1) for x, y, _ in starts], physicsClientId=client)
        heights = [h[3][2] for h in hits if h[0] == body]
        assert sum(z >= max(heights) - 0.004 for z in heights) >= 4, o["name"]
        p.removeBody(body, physicsClientId=client)


def test_assets_are_small() -> None:
    total = sum(f.stat().st_size for f in ASSETS.rglob("*") if f.is_file())
    assert total < 3_000_000


def test_committed_assets_match_the_generator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scripts = REPO / "scripts"
    monkeypatch.syspath_prepend(str(scripts))
    spec = importlib.util.spec_from_file_location("make_assets_under_test", scripts / "make_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "ASSETS", tmp_path)
    module.main()
    generated = sorted(f.relative_to(tmp_path) for f in tmp_path.rglob("*") if f.is_file())
    assert len(generated) > 100
    stale = [str(rel) for rel in generated if (ASSETS / rel).read_bytes() != (tmp_path / rel).read_bytes()]
    assert not stale, f"re-run scripts/make_assets.py: {stale[:5]}"


@pytest.mark.parametrize("rel", ["cylinder/cylinder-template.urdf", "ball/ball-template.urdf"])
def test_primitive_templates_load_through_the_simulators_fill_template(rel: str, sim: Any) -> None:
    # Cylinder and ball templates are PyBullet primitives, as the reference's (its renderer then
    # draws them as there): DIM0 is the radius; the filled copy lives in a scratch folder.
    from gensim.sim import assets
    urdf = assets.fill_template(str(ASSETS), rel, {"DIM": (0.025, 0.025, 0.08), "COLOR": "blue"})
    assert Path(urdf).parent != (ASSETS / rel).parent
    assert "<mesh" not in Path(urdf).read_text()
    lo, hi = aabb(sim, load(sim, urdf, (0, 0, 0.2)))
    assert hi[0] - lo[0] - 2 * aabb_margin(Path(urdf).read_text()) == pytest.approx(0.05, abs=0.001)


class _SceneTask:
    """The smallest task the simulator accepts: it adds the given objects and nothing else."""

    def __init__(self, objects: list[tuple[str, Any, str]]) -> None:
        from gensim.sim.grippers import Suction
        from gensim.sim.primitives import PickPlace

        self.objects, self.ee, self.primitive = objects, Suction, PickPlace()
        self.ids: list[int] = []

    def reset(self, env: Any) -> None:
        self.ids = [env.add_object(urdf, pose, category) for urdf, pose, category in self.objects]

    def reward(self) -> tuple[float, dict[str, Any]]:
        return 0.0, {}

    def done(self) -> bool:
        return False

    def get_lang_goal(self) -> str:
        return "move things"


def test_suction_pick_and_place_uses_the_assets_as_documented() -> None:
    """With the real environment and primitive: ell into a turned fixture, disk down a peg,
    block into the bowl. Each pick is at a point on the object, each place carries that offset."""
    import pybullet as p

    from gensim.sim import environment

    def yaw(angle: float) -> tuple[float, ...]:
        return tuple(p.getQuaternionFromEuler((0, 0, angle)))

    identity = (0.0, 0.0, 0.0, 1.0)
    task = _SceneTask([
        ("insertion/ell.urdf", ((0.4, 0.0, 0.02), identity), "rigid"),
        ("insertion/fixture.urdf", ((0.6, 0.0, 0.02), yaw(0.5)), "fixed"),
        ("hanoi/stand.urdf", ((0.65, 0.3, 0.005), identity), "fixed"),
        ("hanoi/disk1.urdf", ((0.4, 0.3, 0.005), identity), "rigid"),
        ("block/block.urdf", ((0.4, -0.3, 0.02), identity), "rigid"),
        ("bowl/bowl.urdf", ((0.6, -0.3, 0.0), identity), "fixed"),
    ])
    env = environment.Environment(render_obs=False)
    try:
        env.set_task(task)
        env.reset()
        assert env.warnings == []
        ell, _, _, disk, block, _ = task.ids
        moves = [(ell, (0.025, 0.0), ((0.6, 0.0, 0.02), 0.5), 0.02),
                 (disk, (0.025, 0.0), ((0.65, 0.42, 0.015), 0.0), 0.005),
                 (block, (0.0, 0.0), ((0.6 + BOWL_CENTRE[0], -0.3 + BOWL_CENTRE[1], 0.025), 0.0), 0.02)]
        for body, (gx, gy), (target, target_yaw), half_height in moves:
            pos, _ = env.get_object_pose(body)
            c, s = math.cos(target_yaw), math.sin(target_yaw)
            pick = (pos[0] + gx, pos[1] + gy, pos[2] + half_height)
            place = (target[0] + c * gx - s * gy, target[1] + s * gx + c * gy, target[2] + half_height)
            assert not task.primitive(env, (pick, identity), (place, yaw(target_yaw)))
            env.wait_until_settled()
            final, _ = env.get_object_pose(body)
            assert math.dist(final[:2], target[:2]) < 0.005
            assert final[2] == pytest.approx(target[2], abs=0.003)  # inserted / down the peg / in the bowl
    finally:
        env.close()
