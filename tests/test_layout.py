"""The layout shows the architecture: no import circle, no loose modules, SQL only in queue/, small classes.

ARCHITECTURE.md describes the rooms; these tests keep the code in them.
"""

from __future__ import annotations

import ast
import importlib.metadata
import tomllib
from pathlib import Path

import pytest

import robot

ROBOT = Path(__file__).resolve().parent.parent / "robot"
SHARED_SERVICES = {"__init__", "__main__", "clock", "config", "logs"}
"""Modules that may sit loose in robot/: services every room uses."""
SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "func", "and_", "or_", "not_", "case", "bindparam",
                "literal", "exists", "union", "Table", "Column", "MetaData"}  # fmt: skip
MAX_CLASS_LINES = 160
"""About 150 lines: beyond that a class does more than one job."""
LAYERS = [
    {"formats"},
    {"swedish"},
    {"chain", "adapters"},
    {"queue"},
    {"accounts"},
    {"intake", "casework", "whatif", "report", "outbox", "observability"},
    {"worker"},
    {"web"},
    {"cli"},
]
"""The rooms, lowest first: a room imports only rooms below it (ARCHITECTURE.md). The shared services
(clock, config, logs) are below every room and import only formats."""


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROBOT.rglob("*.py")):
        if "contract" in path.parts:
            continue
        parts = path.relative_to(ROBOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import in the file, at any depth (inside functions and TYPE_CHECKING too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def import_graph() -> dict[str, set[str]]:
    """robot module → the robot modules importing it runs (a `from package import module` counts the module)."""
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for module, names in imports(path):
            if not module.startswith("robot"):
                continue
            targets = {f"{module}.{n}" for n in names if f"{module}.{n}" in known} or {module}
            parts = module.split(".")
            # Importing robot.a.b runs robot.a's __init__ first (unless the importer is inside robot.a).
            parents = {".".join(parts[:i]) for i in range(2, len(parts))}
            targets |= {p for p in parents if not name.startswith(p + ".") and name != p}
            graph[name] |= {t for t in targets if t in known and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions_and_through_packages():
    graph = import_graph()
    assert "robot.worker.daemon" in graph["robot.cli.ops"], "imported inside a command function"
    assert "robot.casework" in graph["robot.cli.handling"] and "robot.casework.manual" in graph["robot.casework"]


def test_there_is_no_import_circle():
    found = cycles(import_graph())
    assert found == [], "import circles: " + "; ".join(" ⇄ ".join(sorted(c)) for c in found)


@pytest.mark.parametrize("module", sorted(p.stem for p in ROBOT.glob("*.py")))
def test_no_loose_modules_beyond_shared_services(module):
    assert module in SHARED_SERVICES, f"robot/{module}.py belongs in a room (see ARCHITECTURE.md)"


def test_only_the_queue_builds_sql():
    offenders = []
    for name, path in modules().items():
        if name == "robot.queue" or name.startswith("robot.queue."):
            continue
        for module, names in imports(path):
            if module == "robot.queue.schema" or (module.startswith("robot.queue") and "schema" in names):
                offenders.append(f"{name} imports the tables")
            if module == "sqlalchemy" and SQL_BUILDERS & set(names):
                offenders.append(f"{name} imports {', '.join(sorted(SQL_BUILDERS & set(names)))} from sqlalchemy")
    assert offenders == []


def test_no_class_is_much_over_150_lines():
    large = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                large.append(f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert large == []


def room(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "robot"


def test_rooms_import_only_rooms_below_them():
    level = {r: i for i, rooms in enumerate(LAYERS) for r in rooms}
    level.update({service: -1 for service in SHARED_SERVICES - {"__init__", "__main__"}})
    upward = set()
    for module, targets in import_graph().items():
        here = room(module)
        if here in ("robot", "__main__"):
            continue
        assert here in level, f"robot/{here}: a new room; place it in LAYERS and ARCHITECTURE.md"
        for target in targets:
            there = room(target)
            if there == here or there == "robot":
                continue
            allowed = level[there] < level[here] if level[here] >= 0 else there == "formats"
            if not allowed:
                upward.add(f"{module} → {target}")
    assert sorted(upward) == []


def test_the_package_takes_its_version_from_robot():
    """Every verdict records `robot.__version__`: the package's metadata (pyproject.toml) reads it from there, and
    the installed package says the same."""
    project = tomllib.loads((ROBOT.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"] and "version" not in project["project"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "robot.__version__"}
    assert importlib.metadata.version("bistandsrobot") == robot.__version__
