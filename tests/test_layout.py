"""The floor plan holds: no import circle between modules or between parts, no part importing one
above it, models never importing services or routes, services never importing routes.

The order of the parts is the design's (docs/decisions.md "The parts and their order"), written
here by hand: a change of layout is a change of this list, made on purpose.
"""

import ast
from pathlib import Path

import networkx as nx
import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# Lowest first. A part may import its own modules and any part on an earlier line; parts on one
# line are peers and may not import each other.
LAYERS = [
    {"config", "extensions", "signals", "web", "charts", "holidays"},
    {"base"},
    {"catalogue"},
    {"security"},
    {"operations"},
    {"audit"},
    {"auth"},
    {"alerts"},
    {"offenders"},
    {"network"},
    {"orders"},
    {"ranking"},
    {"tasking"},
    {"referrals"},
    {"victims"},
    {"imports"},
    {"profile", "main", "api", "scheduler", "analysis"},
    {"demo"},
    {"models"},
    {"__init__"},
]
LAYER_OF = {part: i for i, parts in enumerate(LAYERS) for part in parts}


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path) -> dict[str, Path]:
    return {module_name(p, root): p for p in root.rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The app modules a module imports, anywhere in it (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("app")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app") and not node.level:
            found.add(node.module)
            # `from app.x import y` imports the module app.x.y when y is one
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known}
    return {name for name in found if name in known}


def part_of(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def import_graph(root: Path) -> nx.DiGraph:
    found = modules(root)
    g = nx.DiGraph()
    for name, path in found.items():
        g.add_node(name)
        for target in imports_of(path, set(found)):
            if target != name and not name.startswith(target + "."):  # a package's own __init__
                g.add_edge(name, target)
    return g


def circles(g: nx.DiGraph) -> list[list[str]]:
    return sorted(sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1)


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    return import_graph(APP)


def test_the_walk_sees_the_whole_app(graph):
    assert {"app.offenders.models", "app.ranking.scoring", "app.tasking.tasks.services"} <= set(graph)
    assert graph.has_edge("app.ranking.services", "app.ranking.scoring")


def test_no_circle_between_modules(graph):
    assert circles(graph) == []


def test_no_circle_between_parts_and_none_imports_a_part_above_it(graph):
    unknown = {part_of(m) for m in graph} - set(LAYER_OF)
    assert unknown == set(), "a new part must take its place in LAYERS"
    upward = sorted(
        (a, b) for a, b in graph.edges if part_of(a) != part_of(b) and LAYER_OF[part_of(a)] <= LAYER_OF[part_of(b)]
    )
    assert upward == []


def test_models_import_no_services_or_routes_and_services_no_routes(graph):
    def kind(module: str) -> str:
        return module.rsplit(".", 1)[-1]

    wrong = sorted(
        (a, b)
        for a, b in graph.edges
        if (kind(a) == "models" and kind(b) in ("services", "routes", "forms"))
        or (kind(a) == "services" and kind(b) == "routes")
    )
    assert wrong == []


def test_no_part_reads_from_the_profile(graph):
    # The factory registers the profile's blueprint by name (importlib), so not even it appears.
    readers = sorted(a for a, b in graph.edges if part_of(b) == "profile" and part_of(a) != "profile")
    assert readers == []


@pytest.mark.parametrize("path", sorted(APP.rglob("*.py")), ids=lambda p: str(p.relative_to(APP)))
def test_modules_and_functions_stay_small(path):
    source = path.read_text()
    assert len(source.splitlines()) <= 600, "past 600 lines a module becomes a sub-package"
    long = [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 80
    ]
    assert long == []


def test_a_planted_circle_is_caught_even_inside_a_function(tmp_path):
    root = tmp_path / "app"
    for package in ("a", "b"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "a" / "services.py").write_text("from app.b import services\n")
    (root / "b" / "services.py").write_text("def later():\n    from app.a.services import x\n")
    assert circles(import_graph(root)) == [["app.a.services", "app.b.services"]]
