"""Shape definitions for scripts/make_assets.py: the 20 kitting shapes and the household objects.

Every part is convex: a 2D convex polygon extruded (or lofted between two convex polygons), or a
trimesh primitive. Concave outlines (letters, star, ring, heart ...) are unions of such parts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import trimesh

Poly = list[tuple[float, float]]
TWO_PI = 2 * math.pi


# ----------------------------------------------------------------------------- 2D polygons
def regular_polygon(n: int, r: float, phase: float = 0.0, centre: tuple[float, float] = (0.0, 0.0)) -> Poly:
    cx, cy = centre
    return [(cx + r * math.cos(phase + TWO_PI * k / n), cy + r * math.sin(phase + TWO_PI * k / n))
            for k in range(n)]


def rect(x0: float, x1: float, y0: float, y1: float) -> Poly:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def stroke(p0: tuple[float, float], p1: tuple[float, float], width: float) -> Poly:
    """A rectangle of `width` along the segment p0-p1 (a pen stroke with flat ends)."""
    d = np.subtract(p1, p0) / math.dist(p0, p1)
    nx, ny = -d[1] * width / 2, d[0] * width / 2
    return [(p0[0] - nx, p0[1] - ny), (p1[0] - nx, p1[1] - ny), (p1[0] + nx, p1[1] + ny), (p0[0] + nx, p0[1] + ny)]


def annulus_polys(r_out: float, r_in: float, n: int, a_start: float = 0.0, a_end: float = TWO_PI) -> list[Poly]:
    """An annulus (or an arc of one) as n convex trapezoids."""
    polys = []
    for k in range(n):
        a0 = a_start + (a_end - a_start) * k / n
        a1 = a_start + (a_end - a_start) * (k + 1) / n
        polys.append([(r_in * math.cos(a0), r_in * math.sin(a0)), (r_out * math.cos(a0), r_out * math.sin(a0)),
                      (r_out * math.cos(a1), r_out * math.sin(a1)), (r_in * math.cos(a1), r_in * math.sin(a1))])
    return polys


def star_polys(r_out: float, r_in: float) -> list[Poly]:
    """A five-pointed star: the inner pentagon and five tip triangles."""
    inner = regular_polygon(5, r_in, math.pi / 2 + math.pi / 5)
    outer = regular_polygon(5, r_out, math.pi / 2)
    return [inner] + [[inner[k - 1], outer[k], inner[k]] for k in range(5)]


def heart_polys(unit: float) -> list[Poly]:
    return [regular_polygon(16, 5 * unit, 0, (-4.2 * unit, 2.5 * unit)),
            regular_polygon(16, 5 * unit, 0, (4.2 * unit, 2.5 * unit)),
            [(-8.9 * unit, 0.8 * unit), (0, -9 * unit), (8.9 * unit, 0.8 * unit)]]


def scaled(polys: Sequence[Poly], k: float) -> list[Poly]:
    return [[(x * k, y * k) for x, y in poly] for poly in polys]


# ----------------------------------------------------------------------------- 3D parts
def _ccw(poly: Poly) -> Poly:
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=True))
    return list(poly) if area > 0 else list(reversed(poly))


def loft(bottom: Poly, z0: float, top: Poly, z1: float) -> trimesh.Trimesh:
    """A closed solid between two convex polygons with the same number of corresponding vertices."""
    bottom, top = _ccw(bottom), _ccw(top)
    n = len(bottom)
    vertices = [(x, y, z0) for x, y in bottom] + [(x, y, z1) for x, y in top]
    faces = [(0, i + 1, i) for i in range(1, n - 1)] + [(n, n + i, n + i + 1) for i in range(1, n - 1)]
    for a in range(n):
        b = (a + 1) % n
        faces += [(a, b, n + b), (a, n + b, n + a)]
    return trimesh.Trimesh(np.array(vertices, dtype=float), np.array(faces), process=False)


def prism(poly: Poly, z0: float, z1: float) -> trimesh.Trimesh:
    return loft(poly, z0, poly, z1)


def annulus(r_out: float, r_in: float, z0: float, z1: float, n: int) -> list[trimesh.Trimesh]:
    return [prism(p, z0, z1) for p in annulus_polys(r_out, r_in, n)]


def cyl(r: float, z0: float, z1: float, xy: tuple[float, float] = (0.0, 0.0)) -> trimesh.Trimesh:
    return prism(regular_polygon(20, r, 0.0, xy), z0, z1)


def cuboid(size: Sequence[float], centre: Sequence[float] = (0.0, 0.0, 0.0)) -> trimesh.Trimesh:
    sx, sy, sz = size
    cx, cy, cz = centre
    return prism(rect(cx - sx / 2, cx + sx / 2, cy - sy / 2, cy + sy / 2), cz - sz / 2, cz + sz / 2)


def rounded_rect(w: float, h: float, r: float) -> Poly:
    corners = [(w / 2 - r, h / 2 - r), (-w / 2 + r, h / 2 - r), (-w / 2 + r, -h / 2 + r), (w / 2 - r, -h / 2 + r)]
    poly: Poly = []
    for k, (cx, cy) in enumerate(corners):
        for j in range(5):
            a = math.pi / 2 * k + math.pi / 2 * j / 4
            poly.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return poly


# ----------------------------------------------------------------------------- kitting shapes
@dataclass(frozen=True)
class KitShape:
    """A kitting shape: convex 2D parts in mesh units (0.003 m each at the convention's scale),
    stretched by make_assets.py to `extent` and centred on their bounding box."""

    name: str
    polygons: list[Poly]
    symmetry_rad: float  # yaw symmetry the convention's goals use (2*pi: none, 0: any yaw)
    # The reference's footprint of the shape (x, y mesh units), measured by loading its mesh in
    # place (nothing copied): the oracle camera sees the outline, and every free-space draw
    # after a shape is placed depends on it. Where the reference's outline is a plain figure
    # (square, regular polygon, circles, bars) the polygons below are that figure.
    extent: tuple[float, float]


# A regular five-pointed star pointing along +x: tip radius 10.603, inner radius 5.3 (the
# reference's footprint 19.18 x 20.168 is that star's bounding box).
_STAR = [[(5.3 * math.cos(a), 5.3 * math.sin(a)) for a in (math.pi / 5 + TWO_PI * k / 5 for k in range(5))]]
_STAR += [[(5.3 * math.cos(a - math.pi / 5), 5.3 * math.sin(a - math.pi / 5)), (10.603 * math.cos(a), 10.603 * math.sin(a)),
           (5.3 * math.cos(a + math.pi / 5), 5.3 * math.sin(a + math.pi / 5))] for a in (TWO_PI * k / 5 for k in range(5))]

KIT_SHAPES: list[KitShape] = [
    KitShape("letter R shape", [rect(-7, -2.5, -9, 9), rect(-2.5, 3, 5, 9), rect(-2.5, 3, -1, 2.5),
                                [(3, -1), (5.5, 0), (7, 2), (7, 6), (5.5, 8), (3, 9)],
                                [(-0.5, -1), (3.5, -1), (7.5, -9), (3, -9)]], TWO_PI, (13.504, 18.914)),
    KitShape("letter A shape", [stroke((-6.5, -9), (-1, 8.5), 4.5), stroke((6.5, -9), (1, 8.5), 4.5),
                                rect(-3, 3, 5.5, 9), rect(-4, 4, -3, 0.5)], TWO_PI, (16.627, 18.984)),
    # isosceles: base along +y, apex at -y
    KitShape("triangle", [[(-10, 10), (0, -10), (10, 10)]], TWO_PI / 3, (20.0, 20.0)),
    KitShape("square", [rect(-10, 10, -10, 10)], math.pi / 2, (20.0, 20.0)),
    KitShape("plus", [rect(-10, 10, -5, 5), rect(-5, 5, -10, 10)], math.pi / 2, (20.0, 20.0)),
    # bar along y at +x, stem along x (6 wide each)
    KitShape("letter T shape", [rect(4, 10, -10, 10), rect(-10, 4, -3, 3)], TWO_PI, (20.0, 20.0)),
    KitShape("diamond", [[(12.5, 0), (0, 10), (-12.5, 0), (0, -10)]], math.pi, (25.0, 20.0)),
    KitShape("pentagon", [regular_polygon(5, 10.016, -math.pi / 2)], TWO_PI / 5, (19.052, 18.12)),
    KitShape("rectangle", [rect(-12.5, 12.5, -7.5, 7.5)], math.pi, (25.0, 15.0)),
    # four discs of radius 5 around the centre
    KitShape("flower", [regular_polygon(32, 5, 0, c) for c in ((5, 0), (0, 5), (-5, 0), (0, -5))]
             + [rect(-5, 5, -5, 5)], math.pi / 2, (20.0, 20.0)),
    KitShape("star", _STAR, TWO_PI / 5, (19.18, 20.168)),
    KitShape("circle", [regular_polygon(64, 10)], 0.0, (20.0, 20.0)),
    KitShape("letter G shape", annulus_polys(9, 4.5, 11, math.radians(30), TWO_PI) + [rect(1, 9, -0.5, 2.5)], TWO_PI,
             (15.122, 19.4)),
    KitShape("letter V shape", [stroke((-6.5, 9), (0, -8.5), 4.5), stroke((6.5, 9), (0, -8.5), 4.5)], TWO_PI,
             (15.653, 18.914)),
    KitShape("letter E shape", [rect(-7, -3, -9, 9), rect(-3, 7, 5, 9), rect(-3, 5, -2, 2), rect(-3, 7, -9, -5)], TWO_PI,
             (10.652, 18.914)),
    # 6 wide bars: up the -x side and along the -y side
    KitShape("letter L shape", [rect(-10, -4, -10, 10), rect(-4, 10, -10, -4)], TWO_PI, (20.0, 20.0)),
    KitShape("ring", annulus_polys(10, 4.23, 64), 0.0, (20.0, 20.0)),
    KitShape("hexagon", [regular_polygon(6, 10, math.pi / 2)], TWO_PI / 6, (17.321, 20.0)),
    KitShape("heart", heart_polys(1.0), TWO_PI, (19.156, 17.592)),
    KitShape("letter M shape", [rect(-9, -5, -9, 9), rect(5, 9, -9, 9),
                                stroke((-6.5, 8.5), (0, -3), 4), stroke((6.5, 8.5), (0, -3), 4)], TWO_PI,
             (17.996, 18.914)),
]


# ----------------------------------------------------------------------------- household objects
@dataclass(frozen=True)
class HouseholdObject:
    """A procedurally made stand-in for a scanned household object (metres, z up)."""

    name: str
    parts: list[trimesh.Trimesh]
    rgb: tuple[float, float, float]
    split: str  # "train" (seen) or "test" (unseen)
    mass: float = 0.1


def _banana() -> list[trimesh.Trimesh]:
    polys = annulus_polys(0.067, 0.043, 6, math.radians(230), math.radians(310))
    return [prism(p, 0.0, 0.025) for p in polys]


def _car() -> list[trimesh.Trimesh]:
    parts = [cuboid((0.09, 0.045, 0.02), (0, 0, 0.02)), cuboid((0.045, 0.038, 0.018), (-0.005, 0, 0.039))]
    for x in (-0.028, 0.028):
        for y in (-0.0265, 0.0265):
            wheel = prism(regular_polygon(16, 0.01), -0.004, 0.004)
            wheel.apply_transform(trimesh.transformations.rotation_matrix(math.pi / 2, (1, 0, 0)))
            parts.append(wheel.apply_translation((x, y, 0.01)))
    return parts


GOOGLE_OBJECTS: list[HouseholdObject] = [
    HouseholdObject("mug", [cyl(0.035, 0, 0.08), cuboid((0.022, 0.012, 0.01), (0.046, 0, 0.065)),
                            cuboid((0.022, 0.012, 0.01), (0.046, 0, 0.02)),
                            cuboid((0.01, 0.012, 0.055), (0.052, 0, 0.0425))], (0.85, 0.85, 0.9), "train"),
    HouseholdObject("soda can", [cyl(0.033, 0, 0.095)], (0.85, 0.15, 0.15), "train"),
    HouseholdObject("water bottle", [cyl(0.03, 0, 0.065),
                                     loft(regular_polygon(20, 0.03), 0.065, regular_polygon(20, 0.012), 0.085),
                                     cyl(0.012, 0.085, 0.097)], (0.55, 0.75, 0.95), "train"),
    HouseholdObject("cereal box", [cuboid((0.075, 0.03, 0.098))], (0.95, 0.75, 0.2), "train"),
    HouseholdObject("banana", _banana(), (0.95, 0.85, 0.3), "train"),
    HouseholdObject("star toy block", [prism(p, 0, 0.03) for p in star_polys(0.04, 0.017)], (0.6, 0.3, 0.8), "train"),
    HouseholdObject("triangle toy block", [prism(regular_polygon(3, 0.042, math.pi / 2), 0, 0.03)],
                    (0.3, 0.7, 0.35), "train"),
    HouseholdObject("toy cube", [cuboid((0.062, 0.062, 0.062))], (0.95, 0.5, 0.15), "train"),
    HouseholdObject("book", [cuboid((0.09, 0.065, 0.02))], (0.55, 0.15, 0.2), "train"),
    HouseholdObject("tissue box", [cuboid((0.095, 0.06, 0.06))], (0.4, 0.75, 0.85), "train"),
    HouseholdObject("soap bar", [prism(rounded_rect(0.08, 0.05, 0.012), 0, 0.025)], (0.95, 0.7, 0.8), "train"),
    HouseholdObject("remote control", [cuboid((0.095, 0.04, 0.018))], (0.15, 0.15, 0.17), "train"),
    HouseholdObject("shampoo bottle", [prism(rounded_rect(0.06, 0.032, 0.01), 0, 0.075), cyl(0.01, 0.075, 0.09)],
                    (0.2, 0.6, 0.6), "train"),
    HouseholdObject("tuna can", [cyl(0.04, 0, 0.035)], (0.75, 0.75, 0.78), "train"),
    HouseholdObject("sponge", [cuboid((0.09, 0.06, 0.03))], (0.9, 0.85, 0.3), "test"),
    HouseholdObject("pepper shaker", [cyl(0.02, 0, 0.07), cyl(0.016, 0.07, 0.082)], (0.3, 0.3, 0.3), "test"),
    HouseholdObject("drinking glass", [loft(regular_polygon(20, 0.028), 0, regular_polygon(20, 0.035), 0.09)],
                    (0.75, 0.9, 0.95), "test"),
    HouseholdObject("heart toy", [prism(p, 0, 0.025) for p in scaled(heart_polys(1.0), 0.004)],
                    (0.9, 0.25, 0.45), "test"),
    HouseholdObject("tape roll", annulus(0.045, 0.027, 0, 0.03, 20), (0.92, 0.9, 0.8), "test"),
    HouseholdObject("toy car", _car(), (0.2, 0.4, 0.9), "test"),
]
