"""Task designs: the structured proposals the offline composer makes and writes code from.

A design is plain JSON (it travels inside the proposal reply, like a model's proposal would):

- `{"kind": "layout", "layout": "car", "groups": [...], "colors": {group: colour}, "swap": {...}}`
  builds (part of) a layout of `vocabulary.LAYOUTS` on its base marker, one goal per part in
  building order;
- `{"kind": "containers", "object": "block", "container": "bowl" | "zone", "colors": [...],
  "per_color": n}` puts objects into the container of their colour.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from gensim.llm.offline import vocabulary as V

Design = dict[str, Any]

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def parts_of(design: Design) -> list[V.Part]:
    """The parts of a layout design, in building order, with shape swaps applied."""
    parts, _, _ = V.LAYOUTS[design["layout"]]
    groups = design.get("groups") or _groups(design["layout"])
    swap = design.get("swap", {})
    return [V.Part(swap.get(p.shape, p.shape), p.offset, p.group) for p in parts if p.group in groups]


def _groups(layout: str) -> list[str]:
    seen: list[str] = []
    for part in V.LAYOUTS[layout][0]:
        if part.group not in seen:
            seen.append(part.group)
    return seen


def describe(design: Design) -> tuple[str, str]:
    """(name, one-paragraph description) of a design."""
    if design["kind"] == "layout":
        layout = design["layout"]
        parts = parts_of(design)
        groups = design.get("groups") or _groups(layout)
        full = groups == _groups(layout)
        colors = design["colors"]
        things = ", ".join(
            f"{sum(p.group == g for p in parts)} {colors[g]} {_plural(parts[[p.group for p in parts].index(g)].shape, sum(p.group == g for p in parts))} ({g})"
            for g in groups
        )
        base = V.LAYOUTS[layout][1]
        noun = layout.replace("tall-", "tall ")
        if full:
            name = design.get("name") or f"build-{_slug(colors[groups[0]])}-{layout}"
            text = f"Build a {noun} on the {base} from {things}, placing the parts one by one in building order."
        else:
            name = design.get("name") or f"build-{layout}-{'-and-'.join(_slug(g) for g in groups)}"
            text = f"Build the {' and '.join(groups)} of a {noun} on the {base} from {things}, placing the parts one by one."
        return name, text
    n = design["per_color"]
    colors = design["colors"]
    obj, cont = design["object"], design["container"]
    name = design.get("name") or f"put-{NUMBER_WORDS[n]}-{_slug(_plural(obj, n))}-per-color-in-matching-{cont}s"
    text = (
        f"Put {NUMBER_WORDS[n]} {_plural(obj, n)} of each of the colours {', '.join(colors)} into the "
        f"{cont} of the same colour; there is one {cont} per colour on the table."
    )
    return name, text


def _plural(shape: str, n: int) -> str:
    word = V.SHAPES[shape].name if shape in V.SHAPES else shape
    if n == 1:
        return word
    return word + ("es" if word.endswith(("x", "s")) else "s")


def _slug(text: str) -> str:
    return text.replace(" ", "-")


def assets_of(design: Design) -> list[str]:
    """The asset paths a design uses (as a model's proposal lists them)."""
    if design["kind"] == "layout":
        base = V.BASES[V.LAYOUTS[design["layout"]][1]][0]
        return sorted({base} | {V.SHAPES[p.shape].urdf for p in parts_of(design)})
    return sorted({V.SHAPES[design["object"]].urdf, V.BASES[design["container"]][0]})


def propose(rng: np.random.Generator, taken: set[str]) -> Design:
    """A new design whose name is not in `taken` (bottom-up proposals)."""
    for _ in range(50):
        if rng.random() < 0.6:
            layout = str(rng.choice([k for k in V.LAYOUTS if k != "tall-tower"] + ["tall-tower"] * 1))
            groups = _groups(layout)
            if len(groups) > 1 and rng.random() < 0.5:
                groups = groups[: int(rng.integers(1, len(groups)))]
            design: Design = {
                "kind": "layout",
                "layout": layout,
                "groups": groups,
                "colors": {g: str(rng.choice(V.COLORS)) for g in groups},
            }
            if rng.random() < 0.15:  # a model's classic mistake: stacking things that roll
                design["swap"] = {"block": "ball"}
        else:
            container = str(rng.choice(["bowl", "zone"]))
            n_colors = int(rng.integers(1, 4))
            per_color = 1 if container == "bowl" else int(rng.integers(1, 3))
            design = {
                "kind": "containers",
                "object": str(rng.choice(["block", "cylinder", "cube", "ball"])),
                "container": container,
                "colors": [str(c) for c in rng.choice(V.COLORS, size=n_colors, replace=False)],
                "per_color": per_color,
            }
        name, _ = describe(design)
        if name not in taken:
            return design
    design["name"] = f"{describe(design)[0]}-{int(rng.integers(100, 999))}"
    return design


def curriculum(target: str, rng: np.random.Generator) -> tuple[list[Design], Design, str]:
    """Stepping stones toward `target`, the target's own design, and the reasoning behind them."""
    layout = V.layout_for_target(target)
    reason = ""
    if layout is None:
        layout = "tower"
        reason = f"no known layout matches '{target}'; building it as a tower. "
    groups = _groups(layout)
    colors = {g: str(rng.choice(V.COLORS)) for g in groups}
    steps: list[Design] = []
    # Stepping stones: each group of several parts on its own, then the first group with each
    # later one (in building order), then growing prefixes; single parts alone teach too little.
    sizes = {g: sum(p.group == g for p in V.LAYOUTS[layout][0]) for g in groups}
    chosen: list[list[str]] = [[g] for g in groups if sizes[g] > 1]
    chosen += [[groups[0], g] for g in groups[1:]]
    chosen += [groups[:k] for k in range(3, len(groups))]
    for sub in chosen:
        if sub != groups and sub not in [s["groups"] for s in steps]:
            steps.append({"kind": "layout", "layout": layout, "groups": sub, "colors": {g: colors[g] for g in sub}})
    target_design: Design = {
        "kind": "layout", "layout": layout, "groups": groups, "colors": colors, "name": target,
    }
    reason += (
        f"The {layout} is made of {', '.join(groups)}; each part is practised on its own first, "
        f"then the parts are combined in building order, then the whole {layout}."
    )
    return steps, target_design, reason


def repair_design(design: Design, stage: str, error: str) -> tuple[Design, str]:
    """Make a design feasible after a failed check; returns the new design and what changed."""
    fixed = copy.deepcopy(design)
    if fixed.get("swap", {}).get("block") == "ball" and stage in ("success", "bounds", "runtime"):
        fixed["swap"] = {"block": "cylinder"}
        return fixed, "balls roll off each other; use cylinders, which stand on a flat top"
    if fixed.get("kind") == "layout" and fixed["layout"] == "tall-tower" and stage in ("success", "bounds"):
        fixed["layout"] = "tower"
        fixed["name"] = fixed.get("name") or describe(design)[0]
        return fixed, "eight blocks stand 32 cm tall, above the 30 cm workspace; build a 3-block tower"
    if fixed.get("kind") == "containers" and fixed["object"] == "ball" and stage in ("success",):
        fixed["object"] = "cylinder"
        return fixed, "balls roll out of the targets; use cylinders"
    return fixed, ""
