"""The network picture: lays out a network and describes the shapes of a server-drawn SVG (plain
Python, networkx and numpy).

Layout: a force-directed layout (networkx spring layout, seeded, over nodes and edges in sorted
order, so the same records always give the same picture) in which ties inside a cluster pull
harder than ties between clusters (Louvain communities, seeded), so families and a perpetrator's
successive partners form separate groups. Then every label is measured and the boxes of shape
and label are pushed apart until none overlaps, and the picture's box is drawn around all of them:
labels are horizontal, at most two short lines, and never cut at the edge. A shortened label's
full name is in the node's tooltip and in the table under the picture.

Coordinates, shapes, labels and the accessible text alternative are computed here; the template
`network/_picture.html` only writes them out (Jinja escapes every name). No style attributes:
colours come from classes in app.css, geometry from SVG presentation attributes.
"""

import math
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from app.network import graph as network
from app.network.graph import ROLE_BOTH, ROLE_LABELS, ROLE_LINKED, ROLE_SUSPECT, ROLE_VICTIM

SEED = 2022
MIN_RADIUS, MAX_EXTRA_RADIUS = 7.0, 11.0
FONT_SIZE, LINE_HEIGHT = 12.0, 14.0
LINE_CHARS = 14  # per label line; longer names are shortened with "…" (full name in the tooltip)
LABEL_GAP = 4.0
PAD = 6.0  # between two boxes
SPACING = 70.0  # target distance between neighbours before boxes are pushed apart
MARGIN = 12.0
ARROW = 9.0
PUSH_ROUNDS = 300

# Advance widths of DejaVu Sans (the fonts on our machines and most Linux desktops) at 12 px,
# rounded up; other sans-serif fonts are narrower. Used only to size boxes, never to place text.
_WIDE = set("MWmw@%")
_CAPS = set("ABCDEFGHJKLNOPQRSTUVXYZ&")
_NARROW = set("Iiljtf.,;:'!|()[] -")


def text_width(text: str, *, bold: bool = False) -> float:
    width = 0.0
    for ch in text:
        if ch in _WIDE:
            width += 11.0
        elif ch in _CAPS or ch.isdigit() or ch == "…":
            width += 8.6
        elif ch in _NARROW:
            width += 4.2
        else:
            width += 7.4
    return width * (1.17 if bold else 1.0)  # the centre's label: bold and 13 px


@dataclass
class Node:
    id: int
    ref: str | None  # None when the viewer may not open (or see) this person
    label: str  # the label's lines joined by a space (as read out)
    title: str
    role: str
    role_label: str
    distance: int
    x: float
    y: float
    r: float
    shape: str  # circle, square, diamond
    points: str = ""
    lines: list[tuple[str, float]] = field(default_factory=list)  # (text, y) of each label line
    label_x: float = 0.0
    centre: bool = False
    harm_days: int = 0
    tie: str = ""
    linked_to: str = ""
    name: str = ""  # the full display name (the label may be shortened)
    shortened: bool = False


@dataclass
class Edge:
    path: str
    width: float
    kind: str  # "events" or "link"
    title: str


@dataclass
class Picture:
    view_box: str
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]
    omitted: int = 0
    omitted_is_lower_bound: bool = False
    masked: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    whole: bool = False  # the whole linked network, not two steps around the person

    @property
    def table_nodes(self) -> list[Node]:
        return sorted((n for n in self.nodes if not n.centre), key=lambda n: (n.distance, n.name.lower(), n.id))

    @property
    def summary(self) -> str:
        people = len(self.nodes) - 1
        if people == 0:
            return "No other person is linked to this person by a DA event or a recorded relationship."
        where = "in the linked network" if self.whole else "within two steps"
        text = f"{people} linked {'person' if people == 1 else 'persons'} {where}"
        if self.omitted:
            more = f"at least {self.omitted}" if self.omitted_is_lower_bound else str(self.omitted)
            text += f", and {more} more not drawn"
        return text + "."


def _short(text: str, limit: int = LINE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _names(ego, roles: dict[int, str], persons: dict, mask_victims: bool) -> tuple[dict, dict, dict]:
    """Each drawn person's name, reference and label lines; masked persons are numbered "Victim 1"."""
    names: dict[int, str] = {}
    refs: dict[int, str | None] = {}
    lines: dict[int, list[str]] = {}
    masked_numbers = {ROLE_VICTIM: 0, ROLE_LINKED: 0}
    for n in sorted(ego.distance, key=lambda n: (ego.distance[n], n)):
        info = persons.get(n)
        if mask_victims and roles[n] in masked_numbers and n != ego.centre:
            masked_numbers[roles[n]] += 1
            word = "Victim" if roles[n] == ROLE_VICTIM else "Person"
            names[n], refs[n] = f"{word} {masked_numbers[roles[n]]}", None
            lines[n] = [names[n]]
        elif info is None:
            names[n], refs[n], lines[n] = f"Person {n}", None, [f"Person {n}"]
        else:
            names[n], refs[n] = info.full_name, info.ref
            lines[n] = [part for part in (info.forenames.strip(), info.surname.upper().strip()) if part]
    return names, refs, lines


def _tie_text(graph, a: int, b: int, names: dict[int, str], relationships: dict[str, str]) -> str:
    """How b is tied to a, in words: who harmed whom, how often, last when; recorded relationships."""
    parts = []
    for u, v in ((a, b), (b, a)):
        if not graph.has_edge(u, v):
            continue
        data = graph.edges[u, v]
        if data["events"]:
            n = data["events"]
            parts.append(
                f"{names[u]} harmed {names[v]}: {n} event{'s' if n != 1 else ''}, last {data['last_on'].isoformat()}"
            )
        for rel in data["links"]:
            parts.append(f"recorded relationship: {relationships.get(rel, rel.replace('_', ' '))}")
    return "; ".join(parts)


def _titles(ego, nodes: dict, names: dict, refs: dict, relationship_labels: dict[str, str]) -> None:
    """Each node's text alternative: who they are and how they are tied to the person nearer the centre."""
    for n, node in nodes.items():
        up = ego.parent.get(n)
        if up is None:
            node.title = f"{names[n]} (this person). {node.role_label}."
            continue
        node.linked_to = names[up]
        node.tie = _tie_text(ego.graph, up, n, names, relationship_labels)
        ref = f", reference {refs[n]}" if refs[n] else ""
        node.title = f"{names[n]}{ref}. {node.role_label}. {node.tie}."


# ---- layout --------------------------------------------------------------------------------------


def spring_positions(graph: nx.DiGraph, nodes: list[int]) -> dict[int, tuple[float, float]]:
    """Positions in about [-1, 1]: a seeded spring layout in which ties inside a cluster (a
    Louvain community) pull three times harder than ties between clusters."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(nodes))
    simple.add_edges_from(sorted((min(u, v), max(u, v)) for u, v in graph.edges if u != v))
    if len(simple) == 1:
        return {nodes[0]: (0.0, 0.0)}
    if len(simple) > 6 and simple.number_of_edges():
        communities = nx.community.louvain_communities(simple, seed=SEED)
        cluster = {n: i for i, members in enumerate(sorted(communities, key=min)) for n in members}
    else:
        cluster = dict.fromkeys(simple, 0)
    for u, v in simple.edges:
        simple.edges[u, v]["weight"] = 3.0 if cluster[u] == cluster[v] else 0.5
    k = 1.8 / math.sqrt(len(simple))
    pos = nx.spring_layout(simple, seed=SEED, weight="weight", k=k, iterations=60)
    return {n: (float(p[0]), float(p[1])) for n, p in pos.items()}


def _scale(pos: dict[int, tuple[float, float]], graph) -> float:
    """The factor that makes the median tie about SPACING units long."""
    lengths = [math.dist(pos[u], pos[v]) for u, v in graph.edges if u != v and u in pos and v in pos]
    lengths = [d for d in lengths if d > 1e-9]
    return SPACING / float(np.median(lengths)) if lengths else 1.0


def separate(x: np.ndarray, y: np.ndarray, half_w: np.ndarray, up: np.ndarray, down: np.ndarray) -> None:
    """Push the boxes [x - half_w, x + half_w] x [y - up, y + down] apart, in place, until none
    overlaps (each overlapping pair moves apart along the axis where they overlap least)."""
    n = len(x)
    if n < 2:
        return
    order = np.arange(n)
    tie_break = np.where(order[:, None] < order[None, :], -1.0, 1.0)
    for _ in range(PUSH_ROUNDS):
        left, right, top, bottom = x - half_w, x + half_w, y - up, y + down
        ox = np.minimum(right[:, None], right[None, :]) - np.maximum(left[:, None], left[None, :]) + PAD
        oy = np.minimum(bottom[:, None], bottom[None, :]) - np.maximum(top[:, None], top[None, :]) + PAD
        clash = (ox > 0) & (oy > 0)
        np.fill_diagonal(clash, False)
        if not clash.any():
            return
        dx, dy = x[:, None] - x[None, :], y[:, None] - y[None, :]
        sx = np.where(dx == 0, tie_break, np.sign(dx))
        sy = np.where(dy == 0, tie_break, np.sign(dy))
        along_x = clash & (ox <= oy)
        along_y = clash & ~along_x
        # Each of a clashing pair moves half the overlap and a little more, so a pair is settled in
        # one round; a box in several clashes moves by the largest push, not their sum.
        push_x = np.where(along_x, sx * (ox / 2 + 0.5), 0.0)
        push_y = np.where(along_y, sy * (oy / 2 + 0.5), 0.0)
        x += np.where(np.abs(push_x.max(axis=1)) >= np.abs(push_x.min(axis=1)), push_x.max(axis=1), push_x.min(axis=1))
        y += np.where(np.abs(push_y.max(axis=1)) >= np.abs(push_y.min(axis=1)), push_y.max(axis=1), push_y.min(axis=1))


def _edge_path(x1, y1, r1, x2, y2, r2, bend: float, arrow: bool) -> str:
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    cx, cy = mx - dy / length * bend * length, my + dx / length * bend * length

    def towards(px, py, qx, qy, dist):
        ux, uy = qx - px, qy - py
        n = math.hypot(ux, uy) or 1.0
        return px + ux / n * dist, py + uy / n * dist

    sx, sy = towards(x1, y1, cx, cy, r1 + 1)
    ex, ey = towards(x2, y2, cx, cy, r2 + (ARROW if arrow else 1) + 1)
    if bend:
        return f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"
    return f"M{sx:.1f},{sy:.1f} L{ex:.1f},{ey:.1f}"


def _edges(graph, nodes: dict, names: dict) -> list:
    """An arrow for each pair named in events (thicker for more), a dashed tie for a relationship."""
    edges = []
    for u, v, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])):
        a, b = nodes[u], nodes[v]
        bend = 0.12 if graph.has_edge(v, u) else 0.0  # the two directions curve apart
        events = data["events"]
        width = 1.0 + min(5.0, 1.5 * math.log2(events)) if events else 1.5
        path = _edge_path(a.x, a.y, a.r, b.x, b.y, b.r, bend, bool(events))
        if events:
            title = f"{names[u]} harmed {names[v]}: {events} event{'s' if events != 1 else ''}"
        else:
            title = f"{names[u]} and {names[v]}: recorded relationship"
        edges.append(Edge(path=path, width=round(width, 1), kind="events" if events else "link", title=title))
    return edges


def _place(ego, order: list[int], lines: dict, harm_by: dict) -> tuple[dict, dict]:
    """Each person's position, radius and label box, laid out and pushed apart."""
    pos = spring_positions(ego.graph, order)
    factor = _scale(pos, ego.graph)
    max_harm = max((harm_by.get(n, 0) for n in order), default=0)
    radius = {
        n: MIN_RADIUS + (MAX_EXTRA_RADIUS * math.sqrt(harm_by.get(n, 0) / max_harm) if max_harm else 0.0) for n in order
    }
    x = np.array([pos[n][0] * factor for n in order])
    y = np.array([pos[n][1] * factor for n in order])
    half_w = np.array(
        [max(radius[n] * 1.3, max(text_width(t, bold=n == ego.centre) for t in lines[n]) / 2) + 2 for n in order]
    )
    up = np.array([radius[n] * 1.3 + 2 for n in order])
    down = np.array([radius[n] * 1.3 + LABEL_GAP + LINE_HEIGHT * len(lines[n]) + 2 for n in order])
    separate(x, y, half_w, up, down)
    x -= x[order.index(ego.centre)]  # the person in the middle of their own picture's coordinates
    y -= y[order.index(ego.centre)]
    boxes = {n: (x[i] - half_w[i], y[i] - up[i], x[i] + half_w[i], y[i] + down[i]) for i, n in enumerate(order)}
    return {n: (float(x[i]), float(y[i]), radius[n]) for i, n in enumerate(order)}, boxes


def _nodes(ego, order, placed, roles, names, refs, lines, harm_by) -> dict[int, Node]:
    nodes: dict[int, Node] = {}
    for n in order:
        x, y, r = placed[n]
        role = roles[n]
        shape = {ROLE_SUSPECT: "square", ROLE_BOTH: "diamond"}.get(role, "circle")
        points = ""
        if shape == "diamond":
            k = r * 1.25
            points = f"{x:.1f},{y - k:.1f} {x + k:.1f},{y:.1f} {x:.1f},{y + k:.1f} {x - k:.1f},{y:.1f}"
        shown = [_short(t) for t in lines[n]]
        first_y = y + r * 1.3 + LABEL_GAP + LINE_HEIGHT / 2
        nodes[n] = Node(
            id=n,
            ref=refs[n],
            label=" ".join(shown),
            title="",
            role=role,
            role_label=ROLE_LABELS[role],
            distance=ego.distance[n],
            x=round(x, 1),
            y=round(y, 1),
            r=round(r, 1),
            shape=shape,
            points=points,
            lines=[(t, round(first_y + i * LINE_HEIGHT, 1)) for i, t in enumerate(shown)],
            label_x=round(x, 1),
            centre=n == ego.centre,
            harm_days=harm_by.get(n, 0),
            name=names[n],
            shortened=shown != lines[n],
        )
    return nodes


def draw(
    neighbourhood: network.Neighbourhood,
    *,
    mask_victims: bool,
    relationship_labels: dict[str, str] | None = None,
    whole: bool = False,
) -> Picture:
    """Lay out and describe a person's neighbourhood (two steps), or with `whole` every person
    joined to them in the records given.

    With `mask_victims`, any person who is not a suspect in the drawn network (victims, and
    persons linked only by a relationship) is shown as "Victim 1", "Person 2"... with no name,
    reference or link, in the picture and in its text alternative alike.
    """
    relationship_labels = relationship_labels or {}
    graph = network.build_graph(neighbourhood.pairs, neighbourhood.links)
    graph.add_node(neighbourhood.centre)
    radius = len(graph) if whole else network.EGO_RADIUS
    ego = network.ego_network(graph, neighbourhood.centre, radius=radius, cap=len(graph))
    ego.omitted = neighbourhood.omitted
    ego.omitted_is_lower_bound = neighbourhood.omitted_is_lower_bound

    roles = {n: network.role_of(ego.graph, n) for n in ego.distance}
    names, refs, lines = _names(ego, roles, neighbourhood.persons, mask_victims)
    order = sorted(ego.distance)
    placed, boxes = _place(ego, order, lines, neighbourhood.harm)
    nodes = _nodes(ego, order, placed, roles, names, refs, lines, neighbourhood.harm)
    _titles(ego, nodes, names, refs, relationship_labels)
    edges = _edges(ego.graph, nodes, names)

    role_counts = {role: sum(1 for n in nodes.values() if n.role == role and not n.centre) for role in ROLE_LABELS}
    left = min(b[0] for b in boxes.values()) - MARGIN
    top = min(b[1] for b in boxes.values()) - MARGIN
    right = max(b[2] for b in boxes.values()) + MARGIN
    bottom = max(b[3] for b in boxes.values()) + MARGIN
    return Picture(
        view_box=f"{left:.1f} {top:.1f} {right - left:.1f} {bottom - top:.1f}",
        width=math.ceil(right - left),
        height=math.ceil(bottom - top),
        nodes=sorted(nodes.values(), key=lambda n: (n.distance, n.id)),
        edges=edges,
        omitted=ego.omitted,
        omitted_is_lower_bound=ego.omitted_is_lower_bound,
        masked=mask_victims,
        counts=role_counts,
        whole=whole,
    )
