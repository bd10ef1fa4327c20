"""The package's shape holds: the layers contract in pyproject.toml, no import cycles, and
no module using another module's private members.

The first two read the import graph that import-linter builds (grimp), TYPE_CHECKING imports
and imports inside functions included: a cycle hidden behind either still ties two modules.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "veo_widgets"


def cycles(graph: grimp.ImportGraph) -> set[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.add(frozenset(group))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for a, b in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")]:
        graph.add_import(importer=a, imported=b)
    assert cycles(graph) == {frozenset({"p.a", "p.b", "p.c"})}


def test_no_module_imports_itself_back_through_others() -> None:
    graph = grimp.build_graph("veo_widgets")
    assert cycles(graph) == set()


def test_the_layers_contract_holds() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


class PrivateUse(NamedTuple):
    module: str
    line: int
    name: str
    how: str


def is_private(name: str) -> bool:
    """``_name`` is private; ``__name__`` (a dunder, Python's own protocol) is not, nor are
    IPython's display protocol's ``_repr_*_`` and ``_ipython_*_`` (public by its spelling)."""
    if name.startswith("__") and name.endswith("__"):
        return False
    if name.startswith(("_repr_", "_ipython_")) and name.endswith("_"):
        return False
    return name.startswith("_")


def is_package_module(dotted: str) -> bool:
    """Whether ``dotted`` names a module or package of ours (``veo_widgets.schema._models``):
    the ``_module`` file names are our layout, not a private member."""
    base = PACKAGE.parent.joinpath(*dotted.split("."))
    return dotted.startswith("veo_widgets") and (base.with_suffix(".py").is_file() or (base / "__init__.py").is_file())


def defined_here(tree: ast.AST) -> set[str]:
    """The names a module defines itself: its functions, classes and variables, the names
    bound in them, and the attributes it sets on ``self`` or ``cls``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and is_self(node.value):
            names.add(node.attr)
    return names


def is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def private_uses(source: str, module: str, is_package: bool = False) -> list[PrivateUse]:
    """Where ``module`` (its ``source``) uses a private member of another module: a ``_name``
    imported from another module (a ``_module`` of ours is fine), or ``x._attr`` (also through
    ``getattr``/``setattr``/``hasattr``) where ``x`` is not ``self``/``cls`` and ``module``
    does not define ``_attr`` itself."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    defined = defined_here(tree)
    modules: dict[str, str] = {}  # a local name bound to one of our modules -> its dotted name
    found: list[PrivateUse] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules[alias.asname or alias.name.partition(".")[0]] = (
                    alias.name if alias.asname else alias.name.partition(".")[0]
                )
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                source_module = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                source_module = node.module or ""
            for alias in node.names:
                dotted = f"{source_module}.{alias.name}"
                if is_package_module(dotted):
                    modules[alias.asname or alias.name] = dotted
                elif is_private(alias.name):
                    found.append(PrivateUse(module, node.lineno, alias.name, f"imports {dotted}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner, name = node.value, node.attr
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            owner, name = node.args[0], node.args[1].value
        else:
            continue
        if not is_private(name) or name in defined or is_self(owner):
            continue
        if is_package_module(f"{module_named(owner, modules)}.{name}"):
            continue  # schema._models: a module of ours
        found.append(PrivateUse(module, node.lineno, name, f"uses {ast.unparse(owner)}.{name}"))
    return found


def module_named(node: ast.expr, modules: dict[str, str]) -> str | None:
    """The module of ours that ``node`` names (``schema``, ``veo_widgets.schema``), or None."""
    if isinstance(node, ast.Name):
        return modules.get(node.id)
    if isinstance(node, ast.Attribute):
        outer = module_named(node.value, modules)
        return f"{outer}.{node.attr}" if outer is not None and is_package_module(f"{outer}.{node.attr}") else None
    return None


def package_private_uses() -> list[PrivateUse]:
    found: list[PrivateUse] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        found += private_uses(path.read_text(), module, is_package)
    return found


def test_the_private_use_finder_finds_private_uses() -> None:
    source = """
from veo_widgets.schema._models import Job, _helper
from veo_widgets.schema import _models
from veo_widgets.journal._store import Journal as _Journal
from . import _flows, _hidden_name
import veo_widgets.schema

class Mine:
    def __init__(self, job: Job) -> None:
        self._mine = job._secret
        self.__dict__
        getattr(job, "_also_secret")

    def same(self, other: "Mine") -> object:
        return other._mine, _models._private_there, _models.__name__, _flows, _Journal, veo_widgets.schema._models.Job

def reaches_down(job: Job) -> object:
    return job.request._raw, hasattr(job, "_mine"), job._repr_html_(), job._ipython_display_()
"""
    found = {(use.name, use.line) for use in private_uses(source, "veo_widgets.protocol._example")}
    assert found == {
        ("_helper", 2),
        ("_hidden_name", 5),
        ("_secret", 10),
        ("_also_secret", 12),
        ("_private_there", 15),
        ("_raw", 18),
    }


def test_no_module_uses_another_modules_private_members() -> None:
    found = package_private_uses()
    assert found == [], "give these a public name, a small public method or a Protocol:\n" + "\n".join(
        f"{use.module}:{use.line} {use.how}" for use in found
    )
