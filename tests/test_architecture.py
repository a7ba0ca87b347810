"""The architecture, read from the code: the import graph between the app's areas.

Every module of ``feedback/`` is read with ``ast`` (nothing is imported). Each module belongs to
a node: an area package (``feedback/designer/...`` is ``designer``) or a top-level module
(``feedback/exceptions.py`` is ``exceptions``); the package's own ``__init__`` (the app
factory) belongs to none, since it registers every area. The checker fails on

(a) a cycle between nodes: an area must be readable without the areas that build on it;
(b) a view module (``views``, ``*_views``) or a ``blueprint`` module of one area imported by
    another: areas share services, never pages or URL maps;
(c) a package ``__init__`` with imports after its docstring other than ``from __future__``
    (blueprints live in ``blueprint.py``, registered by the factory, not by bottom imports);
(d) a module over 450 lines.

Imports inside functions count (a late import hides a cycle, it does not remove it); imports
under ``if TYPE_CHECKING:`` do not, as they never run.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 450

#: Packages whose ``__init__`` may import: the models' single import point
#: (``from feedback.models import User``), which holds no code of its own.
REEXPORTING_PACKAGES = frozenset({"feedback.models"})


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``rule`` is "cycle", "view import", "package init" or "size"."""

    rule: str
    message: str


@dataclass(frozen=True)
class _Module:
    name: str
    path: Path
    is_package: bool


def _modules(root: Path, package: str) -> dict[str, _Module]:
    found: dict[str, _Module] = {}
    base = root / package
    for path in sorted(base.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = _Module(".".join(parts), path, is_package)
    return found


def _type_checking_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, also inside functions, except under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if _type_checking_block(node):
            assert isinstance(node, ast.If)
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _imported(module: _Module, tree: ast.AST, known: dict[str, _Module], package: str) -> set[str]:
    """The names of the package's modules that ``module`` imports."""
    result: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                anchor = module.name.split(".")
                if not module.is_package:
                    anchor = anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                source = ".".join(anchor + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                for alias in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] == package:
                result.add(target)
    return result


def _node(name: str) -> str | None:
    """The area package or top-level module a module belongs to (None: the factory)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def _is_page_module(name: str) -> bool:
    """An area's views or blueprint (shared web helpers live in ``feedback/web/``)."""
    parts = name.split(".")
    return len(parts) > 2 and (parts[-1] in ("views", "blueprint") or parts[-1].endswith("_views"))


def _cycles(edges: dict[str, dict[str, list[tuple[str, str]]]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, {})):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components


def check(root: Path, package: str = "feedback") -> list[Violation]:
    """Every violation of rules (a) to (d) in ``root/package``."""
    modules = _modules(root, package)
    violations: list[Violation] = []
    #: edges[a][b]: the (importer, imported) module pairs by which node a imports node b.
    edges: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for module in modules.values():
        text = module.path.read_text(encoding="utf-8")
        where = module.path.relative_to(root)
        lines = len(text.splitlines())
        if lines > MAX_LINES:
            violations.append(
                Violation("size", f"{where} has {lines} lines (at most {MAX_LINES}): split it")
            )
        tree = ast.parse(text, filename=str(module.path))
        if module.is_package and module.name != package and module.name not in REEXPORTING_PACKAGES:
            body = [
                node
                for node in tree.body
                if isinstance(node, ast.Import | ast.ImportFrom)
                and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
            ]
            if body:
                violations.append(
                    Violation(
                        "package init",
                        f"{where} imports at line {body[0].lineno}: a package's __init__ holds"
                        " only its docstring (the blueprint goes in blueprint.py)",
                    )
                )
        source = _node(module.name)
        for target in sorted(_imported(module, tree, modules, package)):
            target_node = _node(target)
            if source is None or target_node is None or target_node == source:
                continue
            edges[source][target_node].append((module.name, target))
            if _is_page_module(target):
                violations.append(
                    Violation(
                        "view import",
                        f"{module.name} imports {target}: another area's views or blueprint;"
                        " share a service or helper module instead",
                    )
                )
    for component in _cycles(edges):
        inside = set(component)
        links = []
        for source in component:
            for target in sorted(edges[source]):
                if target in inside:
                    pairs = edges[source][target]
                    shown = ", ".join(f"{a} imports {b}" for a, b in pairs[:3])
                    more = f" (+{len(pairs) - 3} more)" if len(pairs) > 3 else ""
                    links.append(f"{source} -> {target}: {shown}{more}")
        violations.append(
            Violation(
                "cycle",
                f"import cycle between {', '.join(component)}:\n  " + "\n  ".join(links),
            )
        )
    return violations


def _report(violations: list[Violation]) -> str:
    return "\n".join(f"[{v.rule}] {v.message}" for v in violations)


def test_the_app_keeps_its_architecture() -> None:
    violations = check(ROOT)
    assert not violations, "\n" + _report(violations)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_finds_each_kind_of_violation(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "app/__init__.py": '"""Factory."""\nfrom app.alpha.blueprint import bp\n',
            "app/alpha/__init__.py": '"""Alpha."""\n',
            "app/alpha/blueprint.py": "from app.alpha import views\n",
            "app/alpha/views.py": "from app.beta import services\n",
            "app/alpha/services.py": "X = 1\n",
            "app/beta/__init__.py": '"""Beta."""\n\nfrom flask import Blueprint\n',
            "app/beta/services.py": "def f():\n    from app.alpha import services\n",
            "app/beta/other_views.py": "from app.alpha.views import thing\n",
            "app/gamma/__init__.py": '"""Gamma."""\nfrom __future__ import annotations\n',
            "app/gamma/long.py": "x = 1\n" * (MAX_LINES + 1),
            "app/gamma/typed.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from app.beta import services\n"
            ),
            "app/tool.py": "from . import gamma\nfrom .gamma import long\n",
        },
    )

    violations = check(tmp_path, "app")

    by_rule = defaultdict(list)
    for violation in violations:
        by_rule[violation.rule].append(violation.message)
    # (a) alpha -> beta by its views, beta -> alpha by a late import: one cycle, both links named.
    assert len(by_rule["cycle"]) == 1
    cycle = by_rule["cycle"][0]
    assert "between alpha, beta" in cycle
    assert "alpha -> beta: app.alpha.views imports app.beta.services" in cycle
    assert "beta -> alpha: app.beta.other_views imports app.alpha.views" in cycle
    assert "app.beta.services imports app.alpha.services" in cycle
    # gamma's type-only import and tool's relative imports make no cycle with them.
    assert "gamma" not in cycle and "tool" not in cycle
    # (b) a sibling area's views; the factory may import every blueprint.
    assert by_rule["view import"] == [
        "app.beta.other_views imports app.alpha.views: another area's views or blueprint;"
        " share a service or helper module instead"
    ]
    # (c) beta's __init__ imports; gamma's only ``from __future__``.
    assert len(by_rule["package init"]) == 1
    assert by_rule["package init"][0].startswith("app/beta/__init__.py imports at line 3")
    # (d) one module too long.
    assert by_rule["size"] == [
        f"app/gamma/long.py has {MAX_LINES + 1} lines (at most 450): split it"
    ]
    assert set(by_rule) == {"cycle", "view import", "package init", "size"}


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "app/__init__.py": '"""Factory."""\nfrom app.alpha.blueprint import bp\n',
            "app/alpha/__init__.py": '"""Alpha."""\n',
            "app/alpha/blueprint.py": "from app.alpha import views\n",
            "app/alpha/views.py": "from app.beta import services\nfrom app import tool\n",
            "app/beta/__init__.py": '"""Beta."""\n',
            "app/beta/services.py": "from app.tool import helper\n",
            "app/tool.py": "def helper():\n    pass\n",
        },
    )

    assert check(tmp_path, "app") == []


# --- the tests' own layout -----------------------------------------------------------------------

#: Test folders that are not an area of the app: the browser tests, the real OpenID provider,
#: the platform (configuration, database, logs, limits, benchmarks) and the one test world.
TEST_FOLDERS_OF_NO_AREA = frozenset({"e2e", "oidc", "platform", "world"})
#: Packages without a test folder of their own: the models (tested through every area) and
#: ``main`` (the start page, the language switch and the organisation choice, tested by the
#: catalogs' tests, tests/auth and the authorization matrix; plotly.js by tests/results).
PACKAGES_TESTED_ELSEWHERE = frozenset({"models", "main"})


def test_test_folders_mirror_the_areas() -> None:
    """Each area package of the app has a test folder of the same name, and each test folder
    is an area (or one of the few named above)."""
    areas = {path.parent.name for path in (ROOT / "feedback").glob("*/__init__.py")}
    folders = {
        path.name
        for path in (ROOT / "tests").iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    }
    assert areas - folders - PACKAGES_TESTED_ELSEWHERE == set(), "areas without a test folder"
    assert folders - areas - TEST_FOLDERS_OF_NO_AREA == set(), "test folders of no area"


def test_no_test_module_imports_another_areas_tests() -> None:
    """What two test areas share lives in tests/world/, tests/conftest.py or tests/shared.py,
    never in one area's test modules or conftest."""
    found = []
    for path in (ROOT / "tests").glob("*/**/*.py"):
        area = path.relative_to(ROOT / "tests").parts[0]
        for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if len(parts) >= 3 and parts[0] == "tests" and parts[1] not in (area, "world"):
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    assert found == []
