"""Server-side SVG: a lineage graph, a 2-D map of points and a funnel. Labels are escaped."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gensim.web.html import esc, path_part

ORIGIN_COLOURS = {"builtin": "#1d3557", "generated": "#e76f51", "imported": "#2a9d8f"}


def lineage_graph(nodes: Sequence[tuple[int, str, str, str]], edges: Sequence[tuple[int, int, str]],
                  focus: int) -> str:
    """Nodes (id, task name, label "v2", origin) in columns by generation (parents left),
    edges (child, parent, relation) as arrows parent -> child labelled with the relation."""
    ids = [n[0] for n in nodes]
    level = {i: 0 for i in ids}
    for _ in range(len(ids)):  # longest path from a root; lineage graphs are small and acyclic
        changed = False
        for child, parent, _rel in edges:
            if child in level and parent in level and level[child] < level[parent] + 1 <= len(ids):
                level[child] = level[parent] + 1
                changed = True
        if not changed:
            break
    columns: dict[int, list[int]] = {}
    for i in ids:
        columns.setdefault(level[i], []).append(i)
    w, h, gap_x, gap_y = 190, 44, 80, 24
    pos = {i: (20 + lv * (w + gap_x), 20 + row * (h + gap_y))
           for lv, col in columns.items() for row, i in enumerate(col)}
    width = 40 + (max(columns, default=0) + 1) * (w + gap_x)
    height = 40 + max((len(c) for c in columns.values()), default=1) * (h + gap_y)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' class=lineage width='{width}' height='{height}' "
             "role=img aria-label='lineage graph'><defs><marker id=arr viewBox='0 0 10 10' refX=10 refY=5 "
             "markerWidth=6 markerHeight=6 orient=auto><path d='M0,0L10,5L0,10z' fill='#555'/></marker></defs>"]
    for child, parent, rel in edges:
        if child not in pos or parent not in pos:
            continue
        (x1, y1), (x2, y2) = pos[parent], pos[child]
        parts.append(f"<line x1='{x1 + w}' y1='{y1 + h / 2}' x2='{x2}' y2='{y2 + h / 2}' stroke='#555' "
                     "marker-end='url(#arr)'/>")
        parts.append(f"<text x='{(x1 + w + x2) / 2}' y='{(y1 + y2) / 2 + h / 2 - 4}' font-size='10' "
                     f"text-anchor=middle fill='#555'>{esc(rel)}</text>")
    for i, name, label, origin in nodes:
        x, y = pos[i]
        colour = ORIGIN_COLOURS.get(origin, "#888")
        stroke = 3 if i == focus else 1
        short = name if len(name) <= 26 else name[:25] + "…"
        parts.append(f"<a href='/task/{esc(path_part(name))}'><rect x='{x}' y='{y}' width='{w}' height='{h}' rx=5 "
                     f"fill='#fff' stroke='{colour}' stroke-width='{stroke}'/>"
                     f"<text x='{x + 8}' y='{y + 18}' font-size='12'>{esc(short)}</text>"
                     f"<text x='{x + 8}' y='{y + 34}' font-size='10' fill='{colour}'>{esc(label)}</text></a>")
    parts.append("</svg>")
    return "".join(parts)


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """The rows of `vectors` projected on their two main axes (PCA by SVD)."""
    if len(vectors) == 0:
        return np.zeros((0, 2))
    centred = vectors - vectors.mean(axis=0)
    _u, _s, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2].T
    if axes.shape[1] < 2:
        axes = np.pad(axes, ((0, 0), (0, 2 - axes.shape[1])))
    return np.asarray(centred @ axes)


def scatter(points: np.ndarray, labels: Sequence[str], origins: Sequence[str], size: int = 520) -> str:
    """A square map of 2-D points coloured by origin, each with its name as a tooltip and link."""
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' class=map width='{size}' height='{size}' role=img "
             "aria-label='embedding map'><rect width='100%' height='100%' fill='#fff' stroke='#ddd'/>"]
    if len(points):
        lo, hi = points.min(axis=0), points.max(axis=0)
        span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
        scaled = 15 + (points - lo) / span * (size - 30)
        for (x, y), name, origin in zip(scaled, labels, origins, strict=True):
            parts.append(f"<a href='/task/{esc(path_part(name))}'><circle cx='{x:.1f}' cy='{size - y:.1f}' r=4 "
                         f"fill='{ORIGIN_COLOURS.get(origin, '#888')}' fill-opacity=.75><title>{esc(name)}</title>"
                         "</circle></a>")
    parts.append("</svg>")
    return "".join(parts)


def bars(rows: Sequence[tuple[str, int]], width: int = 420) -> str:
    """Horizontal bars (a funnel or counts), labelled with the name and the number."""
    top = max((n for _, n in rows), default=0) or 1
    h = 22
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' class=bars width='{width + 180}' height='{len(rows) * h + 4}'>"]
    for k, (name, n) in enumerate(rows):
        y = k * h
        parts.append(f"<text x=0 y='{y + 15}' font-size=12>{esc(name)}</text>"
                     f"<rect x=120 y='{y + 3}' width='{max(1.0, n / top * width):.1f}' height=16 fill='#457b9d'/>"
                     f"<text x='{126 + n / top * width:.1f}' y='{y + 15}' font-size=12>{n}</text>")
    parts.append("</svg>")
    return "".join(parts)
