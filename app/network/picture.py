"""The network picture: turns an ego network into the shapes of a server-drawn SVG (plain Python).

Coordinates, shapes, labels and the accessible text alternative are computed here; the template
`network/_picture.html` only writes them out (Jinja escapes every name). No style attributes:
colours come from classes in app.css, geometry from SVG presentation attributes.
"""

import math
from dataclasses import dataclass, field

from app.network import graph as network
from app.network.graph import ROLE_BOTH, ROLE_LABELS, ROLE_LINKED, ROLE_SUSPECT, ROLE_VICTIM

RING_GAP = 150.0  # distance between rings, in SVG user units
MIN_NODE_SPACING = 30.0  # along a ring, so shapes and labels do not overlap
MIN_RADIUS, MAX_EXTRA_RADIUS = 7.0, 11.0
LABEL_CHARS = 18
LABEL_CHAR_WIDTH = 6.8  # average advance of a 12-unit sans-serif character, for the bounding box
MARGIN = 14.0
ARROW = 9.0


@dataclass
class Node:
    id: int
    ref: str | None  # None when the viewer may not open (or see) this person
    label: str
    title: str
    role: str
    role_label: str
    distance: int
    x: float
    y: float
    r: float
    shape: str  # circle, square, diamond
    points: str = ""
    label_x: float = 0.0
    label_y: float = 0.0
    label_anchor: str = "middle"
    label_transform: str | None = None
    centre: bool = False
    harm_days: int = 0
    tie: str = ""
    linked_to: str = ""
    name: str = ""  # the full display name (the label may be shortened)


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

    @property
    def table_nodes(self) -> list[Node]:
        return sorted((n for n in self.nodes if not n.centre), key=lambda n: (n.distance, n.name.lower(), n.id))

    @property
    def summary(self) -> str:
        people = len(self.nodes) - 1
        if people == 0:
            return "No other person is linked to this person by a DA event or a recorded relationship."
        text = f"{people} linked {'person' if people == 1 else 'persons'} within two steps"
        if self.omitted:
            more = f"at least {self.omitted}" if self.omitted_is_lower_bound else str(self.omitted)
            text += f", and {more} more not drawn"
        return text + "."


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _display_name(info: network.PersonInfo | None, node_id: int) -> str:
    if info is None:
        return f"Person {node_id}"
    return info.full_name


def _ring_radii(counts: dict[int, int]) -> dict[int, float]:
    radii, previous = {0: 0.0}, 0.0
    for d in sorted(k for k in counts if k > 0):
        needed = counts[d] * MIN_NODE_SPACING / (2 * math.pi)
        radii[d] = max(previous + RING_GAP, needed)
        previous = radii[d]
    return radii


def _bounds(nodes) -> tuple[float, float, float, float]:
    """The box holding every shape and label (labels measured roughly), plus a margin."""
    xs, ys = [], []
    for n in nodes:
        k = n.r * 1.3
        xs += [n.x - k, n.x + k]
        ys += [n.y - k, n.y + k]
        width = len(n.label) * LABEL_CHAR_WIDTH
        if n.label_transform:
            # Outward labels run from the label point along the radius, whichever way they read.
            dx, dy = n.x, n.y
            length = math.hypot(dx, dy) or 1.0
            end_x = n.label_x + dx / length * width
            end_y = n.label_y + dy / length * width
            xs += [n.label_x, end_x]
            ys += [n.label_y - 7, n.label_y + 7, end_y - 7, end_y + 7]
        else:
            xs += [n.label_x - width / 2, n.label_x + width / 2]
            ys += [n.label_y - 8, n.label_y + 8]
    return min(xs) - MARGIN, min(ys) - MARGIN, max(xs) + MARGIN, max(ys) + MARGIN


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


def _names(ego, roles: dict[int, str], persons: dict, mask_victims: bool) -> tuple[dict, dict]:
    """Each drawn person's name and reference; masked persons are numbered "Victim 1", "Person 2"."""
    names: dict[int, str] = {}
    refs: dict[int, str | None] = {}
    masked_numbers = {ROLE_VICTIM: 0, ROLE_LINKED: 0}
    for n in sorted(ego.distance, key=lambda n: (ego.distance[n], n)):
        info = persons.get(n)
        if mask_victims and roles[n] in masked_numbers and n != ego.centre:
            masked_numbers[roles[n]] += 1
            word = "Victim" if roles[n] == ROLE_VICTIM else "Person"
            names[n], refs[n] = f"{word} {masked_numbers[roles[n]]}", None
        else:
            names[n], refs[n] = _display_name(info, n), info.ref if info else None

    return names, refs


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


def _edges(graph, nodes: dict, names: dict) -> list:
    """An arrow for each pair named in events (thicker for more), a dashed tie for a relationship."""
    edges = []
    for u, v, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1])):
        a, b = nodes[u], nodes[v]
        bend = 0.0
        if graph.has_edge(v, u):
            bend = 0.12  # the two directions curve apart, each to its own side
        events = data["events"]
        arrow = bool(events)
        width = 1.0 + min(5.0, 1.5 * math.log2(events)) if events else 1.5
        path = _edge_path(a.x, a.y, a.r, b.x, b.y, b.r, bend, arrow)
        if events:
            title = f"{names[u]} harmed {names[v]}: {events} event{'s' if events != 1 else ''}"
        else:
            title = f"{names[u]} and {names[v]}: recorded relationship"
        edges.append(Edge(path=path, width=round(width, 1), kind="events" if events else "link", title=title))
    return edges


def _nodes(ego, layout, radii, roles, names, refs, harm_by: dict[int, int]) -> dict[int, Node]:
    """Each person placed on their ring, sized by harm, with a label that never reads upside down."""
    max_harm = max((harm_by.get(n, 0) for n in ego.distance), default=0)
    nodes: dict[int, Node] = {}
    max_ring = max(ego.distance.values())
    for n, d in ego.distance.items():
        angle = layout[n][2]
        x, y = math.cos(angle) * radii[d], math.sin(angle) * radii[d]
        harm = harm_by.get(n, 0)
        r = MIN_RADIUS + (MAX_EXTRA_RADIUS * math.sqrt(harm / max_harm) if max_harm else 0.0)
        role = roles[n]
        shape = {ROLE_SUSPECT: "square", ROLE_BOTH: "diamond"}.get(role, "circle")
        points = ""
        if shape == "diamond":
            k = r * 1.25
            points = f"{x:.1f},{y - k:.1f} {x + k:.1f},{y:.1f} {x:.1f},{y + k:.1f} {x - k:.1f},{y:.1f}"
        node = Node(
            id=n,
            ref=refs[n],
            label=_short(names[n]),
            title="",
            role=role,
            role_label=ROLE_LABELS[role],
            distance=d,
            x=round(x, 1),
            y=round(y, 1),
            r=round(r, 1),
            shape=shape,
            points=points,
            centre=n == ego.centre,
            harm_days=harm,
            name=names[n],
        )
        if d and d == max_ring:
            # Outermost ring: write the label outward along the radius, flipped on the left half
            # so it never reads upside down.
            tx, ty = x + (r + 5) * math.cos(angle), y + (r + 5) * math.sin(angle)
            degrees = math.degrees(angle) % 360
            if 90 < degrees < 270:
                node.label_anchor, rotate = "end", degrees - 180
            else:
                node.label_anchor, rotate = "start", degrees
            node.label_x, node.label_y = round(tx, 1), round(ty, 1)
            node.label_transform = f"rotate({rotate:.1f} {tx:.1f} {ty:.1f})"
        else:
            node.label_x, node.label_y = round(x, 1), round(y + r + 14, 1)
        nodes[n] = node
    return nodes


def draw(
    neighbourhood: network.Neighbourhood,
    *,
    mask_victims: bool,
    relationship_labels: dict[str, str] | None = None,
) -> Picture:
    """Lay out and describe a person's neighbourhood.

    With `mask_victims`, any person who is not a suspect in the drawn network (victims, and
    persons linked only by a relationship) is shown as "Victim 1", "Person 2"... with no name,
    reference or link, in the picture and in its text alternative alike.
    """
    relationship_labels = relationship_labels or {}
    graph = network.build_graph(neighbourhood.pairs, neighbourhood.links)
    graph.add_node(neighbourhood.centre)
    ego = network.ego_network(graph, neighbourhood.centre, radius=network.EGO_RADIUS, cap=len(graph))
    ego.omitted = neighbourhood.omitted
    ego.omitted_is_lower_bound = neighbourhood.omitted_is_lower_bound
    layout = network.radial_layout(ego)

    counts: dict[int, int] = {}
    for d in ego.distance.values():
        counts[d] = counts.get(d, 0) + 1
    radii = _ring_radii(counts)

    roles = {n: network.role_of(ego.graph, n) for n in ego.distance}
    names, refs = _names(ego, roles, neighbourhood.persons, mask_victims)

    nodes = _nodes(ego, layout, radii, roles, names, refs, neighbourhood.harm)
    _titles(ego, nodes, names, refs, relationship_labels)

    edges = _edges(ego.graph, nodes, names)

    role_counts = {role: sum(1 for n in nodes.values() if n.role == role and not n.centre) for role in ROLE_LABELS}
    left, top, right, bottom = _bounds(nodes.values())
    return Picture(
        view_box=f"{left:.0f} {top:.0f} {right - left:.0f} {bottom - top:.0f}",
        width=round(right - left),
        height=round(bottom - top),
        nodes=sorted(nodes.values(), key=lambda n: (n.distance, n.id)),
        edges=edges,
        omitted=ego.omitted,
        omitted_is_lower_bound=ego.omitted_is_lower_bound,
        masked=mask_victims,
        counts=role_counts,
    )
