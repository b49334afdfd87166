"""The layers import one way, schemas ← carriers ← streams ← workers, and no modules import in a circle.

The graph is read from the source with `ast`: every import, at module level or inside a function (a
lazy import is still a dependency), of a module of the four packages.
"""

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("schemas", "carriers", "streams", "workers")


def module_files() -> dict[str, Path]:
    modules = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported(name: str, modules: Mapping[str, Path]) -> str | None:
    """The project module an import of `name` loads: `name`, or the nearest package above it."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(imported(alias.name, modules) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                targets.update(imported(f"{base}.{alias.name}", modules) for alias in node.names)
        graph[module] = {target for target in targets if target and target != module}
    return graph


def upward(graph: Mapping[str, set[str]]) -> list[str]:
    rank = {layer: index for index, layer in enumerate(LAYERS)}
    return sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if rank[target.partition(".")[0]] > rank[module.partition(".")[0]]
    )


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> Iterator[None]:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                yield from visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while (member := stack.pop()) != module:
                component.append(member)
            if component:
                found.append(sorted([module, *component]))
        yield

    for module in sorted(graph):
        if module not in index:
            for _ in visit(module):
                pass
    return sorted(found)


def test_the_checks_catch_an_upward_import_and_a_cycle():
    graph = {"schemas.a": {"streams.b"}, "streams.b": {"streams.c"}, "streams.c": {"streams.b"}, "workers.d": set()}
    assert upward(graph) == ["schemas.a imports streams.b"]
    assert cycles(graph) == [["streams.b", "streams.c"]]


def test_no_module_imports_a_layer_above_its_own():
    assert upward(import_graph(module_files())) == []


def test_no_modules_import_each_other_in_a_circle():
    graph = import_graph(module_files())
    assert len(graph) > 100, "the graph holds the project's modules"
    assert cycles(graph) == []
