"""The network of relations, laid out at build time and drawn as SVG (no script needed to see it).

Nodes are the entities, edges the relations (directed subject -> object; symmetric types drawn
without an arrow). The layout is networkx's Kamada-Kawai layout (deterministic: it starts from a circle and
minimises an energy with scipy), spread out in the middle, with label boxes nudged apart;
coordinates are rounded to one decimal, so the same package gives the same picture.
Two relations between the same pair of entities are drawn as separate arcs, bent to either
side, so that every relation is one visible edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..api import Record

WIDTH, HEIGHT, MARGIN = 1100.0, 760.0, 70.0
LABEL_CHARS = 30
FISHEYE = 0.6
LABEL_BOX_H = 30.0  # a node's circle and the label under it, in drawing units


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    label: str  # the name, shortened for the drawing
    type: str
    x: float
    y: float
    r: float
    degree: int


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    target: str
    type: str
    claim_status: str
    symmetric: bool
    d: str  # SVG path data
    label_x: float
    label_y: float


def short_label(name: str, limit: int = LABEL_CHARS) -> str:
    if len(name) <= limit:
        return name
    cut = name[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _layout(entity_ids: list[str], pairs: list[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Positions in the drawing: the related entities by Kamada-Kawai (graph distance becomes
    drawing distance) with the crowded middle spread out (``_fisheye``), filling the box; the
    entities without any relation in a row along the bottom (as layout nodes they would be
    pushed to the edges and squeeze everything else)."""
    import networkx as nx  # networkx loads on first use: every tda command would pay its start-up time otherwise

    linked = sorted({n for pair in pairs for n in pair})
    alone = [n for n in entity_ids if n not in set(linked)]
    bottom = HEIGHT - MARGIN if alone else HEIGHT - MARGIN / 2
    out: dict[str, tuple[float, float]] = {}
    if len(linked) > 1:
        g: nx.Graph[str] = nx.Graph()
        g.add_nodes_from(linked)
        g.add_edges_from(pairs)
        raw = nx.kamada_kawai_layout(g, dist=_distances(g))
        pos = _fisheye({n: (float(raw[n][0]), float(raw[n][1])) for n in linked}, FISHEYE)
        xs = [pos[n][0] for n in linked]
        ys = [pos[n][1] for n in linked]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        sx = (WIDTH - 2 * MARGIN) / ((x1 - x0) or 1.0)
        sy = (bottom - MARGIN - (MARGIN if alone else 0)) / ((y1 - y0) or 1.0)
        out = {n: (MARGIN + (pos[n][0] - x0) * sx, MARGIN / 2 + (pos[n][1] - y0) * sy) for n in linked}
    elif linked:
        out[linked[0]] = (WIDTH / 2, HEIGHT / 2)
    step = (WIDTH - 2 * MARGIN) / max(len(alone) - 1, 1)
    for i, n in enumerate(alone):
        out[n] = (MARGIN + i * step if len(alone) > 1 else WIDTH / 2, bottom)
    return out


def _distances(g: Any) -> dict[str, dict[str, float]]:
    """Shortest-path lengths; entities in separate parts of the graph count as one step further
    apart than the farthest connected pair (networkx would otherwise use 1e6 and push them off)."""
    import networkx as nx  # networkx loads on first use: every tda command would pay its start-up time otherwise

    lengths = {s: dict(t) for s, t in nx.all_pairs_shortest_path_length(g)}
    far = 1 + max((d for t in lengths.values() for d in t.values()), default=0)
    return {s: {t: float(lengths[s].get(t, far)) for t in g} for s in g}


def _fisheye(pos: dict[str, tuple[float, float]], power: float) -> dict[str, tuple[float, float]]:
    """Distances from the centre raised to ``power`` (< 1): a hub's many neighbours, drawn close
    around it, get room, and the long chains at the edge are drawn shorter."""
    n = len(pos)
    cx = sum(p[0] for p in pos.values()) / n
    cy = sum(p[1] for p in pos.values()) / n
    reach = max(math.hypot(p[0] - cx, p[1] - cy) for p in pos.values()) or 1.0
    out = {}
    for key, (x, y) in pos.items():
        r = math.hypot(x - cx, y - cy) / reach
        f = r ** (power - 1) if r > 0 else 0.0
        out[key] = (cx + (x - cx) * f, cy + (y - cy) * f)
    return out


def separate_labels(
    pos: dict[str, tuple[float, float]], labels: dict[str, str], rounds: int = 300
) -> dict[str, tuple[float, float]]:
    """Nudge nodes apart until no two label boxes (the circle and the text under it) overlap,
    or ``rounds`` passes are done: each pass moves both nodes of an overlapping pair half the
    overlap apart, along the axis where the overlap is smaller. Deterministic (pairs in id order)."""
    ids = sorted(pos)
    xy = {n: list(pos[n]) for n in ids}
    half_w = {n: max(3.3 * len(labels[n]), 12.0) for n in ids}
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                dx = xy[b][0] - xy[a][0]
                dy = xy[b][1] - xy[a][1]
                ox = half_w[a] + half_w[b] + 4 - abs(dx)
                oy = LABEL_BOX_H + 4 - abs(dy)
                if ox <= 0 or oy <= 0:
                    continue
                moved = True
                if oy <= ox:
                    shift = (oy / 2) * (1 if dy >= 0 else -1)
                    xy[a][1] -= shift
                    xy[b][1] += shift
                else:
                    shift = (ox / 2) * (1 if dx >= 0 else -1)
                    xy[a][0] -= shift
                    xy[b][0] += shift
        for n in ids:
            xy[n][0] = min(max(xy[n][0], half_w[n] + 4), WIDTH - half_w[n] - 4)
            xy[n][1] = min(max(xy[n][1], MARGIN / 2), HEIGHT - MARGIN / 2)
        if not moved:
            break
    return {n: (xy[n][0], xy[n][1]) for n in ids}


def layout(entities: list[Record], relations: list[Record], symmetric_types: set[str]) -> tuple[list[Node], list[Edge]]:
    """Nodes and edges with their drawing positions, in id order."""
    ids = sorted(e["id"] for e in entities)
    known = set(ids)
    rels = sorted((r for r in relations if r["subject_id"] in known and r["object_id"] in known), key=lambda r: r["id"])
    by_id = {e["id"]: e for e in entities}
    pos = _layout(ids, [(r["subject_id"], r["object_id"]) for r in rels])
    pos = separate_labels(pos, {i: short_label(by_id[i]["name"]) for i in ids})
    degree = {i: 0 for i in ids}
    for r in rels:
        degree[r["subject_id"]] += 1
        degree[r["object_id"]] += 1
    nodes = [
        Node(
            i,
            by_id[i]["name"],
            short_label(by_id[i]["name"]),
            by_id[i]["type"],
            round(pos[i][0], 1),
            round(pos[i][1], 1),
            round(6 + 2.2 * math.sqrt(degree[i]), 1),
            degree[i],
        )
        for i in ids
    ]
    radius = {n.id: n.r for n in nodes}
    # relations between the same two entities (either direction), to bend them apart
    groups: dict[tuple[str, str], list[Record]] = {}
    for r in rels:
        groups.setdefault(tuple(sorted((r["subject_id"], r["object_id"]))), []).append(r)
    edges: list[Edge] = []
    for r in rels:
        group = groups[tuple(sorted((r["subject_id"], r["object_id"])))]
        index = group.index(r)
        bend = (index - (len(group) - 1) / 2) * 38.0
        edges.append(_edge(r, pos, radius, bend, r["type"] in symmetric_types))
    return nodes, edges


def _edge(r: Record, pos: dict[str, tuple[float, float]], radius: dict[str, float], bend: float, symmetric: bool) -> Edge:
    (x1, y1), (x2, y2) = pos[r["subject_id"]], pos[r["object_id"]]
    # the bend is measured in the frame of the sorted pair, so that opposite directions bend apart
    a, b = sorted((r["subject_id"], r["object_id"]))
    (ax, ay), (bx, by) = pos[a], pos[b]
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy) or 1.0
    nx_, ny_ = -dy / length, dx / length
    mx, my = (x1 + x2) / 2 + nx_ * bend, (y1 + y2) / 2 + ny_ * bend
    # start and end on the circles' rims, towards the control point
    sx, sy = _towards(x1, y1, mx, my, radius[r["subject_id"]] + 1)
    ex, ey = _towards(x2, y2, mx, my, radius[r["object_id"]] + (3 if symmetric else 7))
    if bend:
        d = f"M{sx:.1f} {sy:.1f}Q{mx:.1f} {my:.1f} {ex:.1f} {ey:.1f}"
        lx, ly = 0.25 * sx + 0.5 * mx + 0.25 * ex, 0.25 * sy + 0.5 * my + 0.25 * ey
    else:
        d = f"M{sx:.1f} {sy:.1f}L{ex:.1f} {ey:.1f}"
        lx, ly = (sx + ex) / 2, (sy + ey) / 2
    return Edge(r["id"], r["subject_id"], r["object_id"], r["type"], r["claim_status"], symmetric, d, round(lx, 1), round(ly, 1))


def _towards(x: float, y: float, tx: float, ty: float, distance: float) -> tuple[float, float]:
    dx, dy = tx - x, ty - y
    length = math.hypot(dx, dy) or 1.0
    return x + dx / length * distance, y + dy / length * distance
