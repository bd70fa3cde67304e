"""The plan of the house: no import cycles, one marker definition, modules a reader can hold.

See docs/architecture.md for what each module owns.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "builder"
MAX_MODULE_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _outside_type_checking(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except what sits under `if TYPE_CHECKING:` (never imported at run time)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_outside_type_checking(child)])
            continue
        yield node
        yield from _outside_type_checking(node)


def imports(name: str) -> set[str]:
    """The builder modules `name` imports at run time, at the top or inside a function (a lazy
    import is a dependency too). `from package import name` counts as importing the submodule
    when there is one, else the package."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _outside_type_checking(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    return {module for module in found if module in MODULES and module != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_inside_builder() -> None:
    graph = {name: imports(name) for name in MODULES}
    assert graph["builder.pipeline"] >= {"builder.stages.render", "builder.profile"}
    assert "builder.editions.pdf.layout" in graph["builder.editions.pdf.processes"]
    assert cycles(graph) == []


def test_only_the_layout_module_imports_weasyprint() -> None:
    importers = sorted(
        name
        for name, path in MODULES.items()
        if re.search(r"^\s*(?:import|from) weasyprint\b", path.read_text(), re.MULTILINE)
    )
    assert importers == ["builder.editions.pdf.layout", "builder.editions.pdf.processes"]
    # processes imports it only to warm the worker up early, never to use it.
    source = MODULES["builder.editions.pdf.processes"].read_text()
    assert len(re.findall(r"^\s*import weasyprint\b", source, re.MULTILINE)) == 1
    assert "weasyprint." not in source


def test_one_marker_definition() -> None:
    """The private-use marker delimiters are written in builder/fill.py and nowhere else."""
    written = re.compile(r"\\ue00[01]|\\U0000e00[01]|\\N\{PRIVATE|[\ue000\ue001]", re.I)
    defining = [name for name, path in MODULES.items() if written.search(path.read_text())]
    assert defining == ["builder.fill"]


def test_one_precedence_of_reader_values() -> None:
    """Only builder/profile.py orders the routes a value arrives by."""
    ordering = re.compile(r"PRECEDENCE\s*[:=]")
    defining = [name for name, path in MODULES.items() if ordering.search(path.read_text())]
    assert defining == ["builder.profile"]


def test_no_module_is_too_long_to_read() -> None:
    long = {
        name: lines
        for name, path in MODULES.items()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_only_the_command_line_prints() -> None:
    printing = sorted(
        name
        for name, path in MODULES.items()
        if re.search(r"\bprint\(", path.read_text()) and not name.startswith("builder.cli")
    )
    assert printing == []
