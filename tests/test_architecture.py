"""The layout as a rule: specdsl's import graph (every import, at module level or
inside a function, found by an AST walk) has no circle, and each layer imports
only what lies below it:

    cli -> commands -> report -> core <- lang
                   \\-> tla/, smt/ (backends) -> core

The core (`ir`, `interp`, `verdicts`, `driver`, ...) is what every layer shares;
the front end (`lang/`) and the backends (`tla/`, `smt/`) know nothing of each
other; the engine registry that names the backends is in `commands/check.py`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A layer may not import the layers listed for it.
FORBIDDEN = {
    "core": {"lang", "backend", "report", "commands", "cli"},
    "lang": {"backend", "report", "commands", "cli"},
    "backend": {"lang", "report", "commands", "cli"},
    "report": {"commands", "cli"},
    "commands": {"cli"},
    "cli": set(),
}


def module_name(package_dir: Path, file: Path) -> str:
    parts = file.relative_to(package_dir.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """The absolute names every import statement in `tree` names (a `from X import Y`
    names both X and X.Y: Y may be a module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's package, one level up per extra dot
                base = module.split(".")[: len(module.split(".")) - node.level + is_package]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports."""
    files = {module_name(package_dir, f): f for f in sorted(package_dir.rglob("*.py"))}
    graph = {}
    for name, file in files.items():
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
        graph[name] = {n for n in imported(tree, name, file.name == "__init__.py") if n in files} - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    sub = parts[1] if len(parts) > 1 else ""
    if sub in ("tla", "smt"):
        return "backend"
    if sub in ("lang", "report", "commands"):
        return sub
    if sub in ("cli", "__main__"):
        return "cli"
    return "core"


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    return [
        f"{module} ({layer(module)}) imports {target} ({layer(target)})"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if layer(target) in FORBIDDEN[layer(module)]
    ]


def test_specdsl_has_no_import_circle():
    assert cycles(import_graph(ROOT / "specdsl")) == []


def test_every_layer_imports_only_the_layers_below_it():
    assert layer_violations(import_graph(ROOT / "specdsl")) == []


def test_the_graph_sees_the_imports_it_must_judge():
    graph = import_graph(ROOT / "specdsl")
    assert "specdsl.lang.loader" in graph["specdsl.commands.check"]  # inside a function
    assert "specdsl.tla.engine" in graph["specdsl.commands.check"]  # the engine registry
    assert "specdsl.ir" in graph["specdsl.interp"]  # `from specdsl.ir import (...)`
    assert "specdsl.lang.ast" in graph["specdsl.lang.syntax"]  # `from specdsl.lang import ast`


def modules_in_architecture_md() -> set[str]:
    """The files named in the first column of ARCHITECTURE.md's module tables, as paths
    under specdsl/ (each table follows a heading naming its folder)."""
    folder, named = None, set()
    for line in (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = re.match(r"### `specdsl/([\w/]*)`", line)
            folder = heading.group(1) if heading else None
        elif folder is not None and line.startswith("| `"):
            first_cell = line.split("|")[1]
            named |= {folder + name for name in re.findall(r"`([^`]+)`", first_cell)}
    return named


def test_architecture_md_lists_every_module():
    package = ROOT / "specdsl"
    files = {str(f.relative_to(package)) for f in package.rglob("*") if f.suffix in (".py", ".lark")}
    required = {f for f in files if not f.endswith("__init__.py")}
    named = modules_in_architecture_md()
    assert sorted(required - named) == []  # a module ARCHITECTURE.md does not list
    assert sorted(named - files) == []  # a name that is no module (any more)


def write_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        for parent in path.relative_to(root).parents:
            if parent != Path(".") and not (root / parent / "__init__.py").exists():
                (root / parent / "__init__.py").write_text("", encoding="utf-8")
    return root / "pkg"


def test_an_import_circle_through_a_function_level_import_is_found(tmp_path):
    package = write_package(
        tmp_path,
        {
            "ir.py": "from pkg.verdicts import Result\n",
            "verdicts.py": "def judge():\n    from pkg import ir\n",
            "interp.py": "from . import ir\n",
        },
    )
    assert cycles(import_graph(package)) == [["pkg.ir", "pkg.verdicts"]]


@pytest.mark.parametrize(
    ("importer", "imported_module"),
    [
        ("tla/emit.py", "pkg.lang.loader"),
        ("smt/strengthen.py", "pkg.lang.types"),
        ("tla/engine.py", "pkg.commands.check"),
        ("smt/engine.py", "pkg.report.table"),
        ("interp.py", "pkg.smt.engine"),
        ("driver.py", "pkg.report.json"),
        ("ir.py", "pkg.lang.ast"),
        ("report/json.py", "pkg.commands.check"),
    ],
)
def test_an_import_against_the_layers_is_found(tmp_path, importer, imported_module):
    target = imported_module.removeprefix("pkg.").replace(".", "/") + ".py"
    package = write_package(tmp_path, {target: "", importer: f"def f():\n    import {imported_module}\n"})
    importer_name = "pkg." + importer.removesuffix(".py").replace("/", ".")
    assert layer_violations(import_graph(package)) == [
        f"{importer_name} ({layer(importer_name)}) imports {imported_module} ({layer(imported_module)})"
    ]


def test_imports_down_the_layers_are_allowed(tmp_path):
    package = write_package(
        tmp_path,
        {
            "ir.py": "",
            "lang/lower.py": "from pkg.ir import System\n",
            "tla/emit.py": "from pkg import ir\n",
            "report/table.py": "from pkg.ir import System\n",
            "commands/check.py": "from pkg.report import table\nfrom pkg.lang import lower\n"
            "from pkg.tla import emit\n",
            "cli.py": "from pkg.commands.check import run_check\n",
        },
    )
    graph = import_graph(package)
    # `from X import Y` imports X too (a package's __init__)
    assert graph["pkg.commands.check"] == {
        *("pkg.report", "pkg.report.table"),
        *("pkg.lang", "pkg.lang.lower"),
        *("pkg.tla", "pkg.tla.emit"),
    }
    assert layer_violations(graph) == []
    assert cycles(graph) == []
