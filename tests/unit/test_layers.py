"""The backend's layering, checked on its source: no import cycles, no `Portal` in the domain,
no private SQLAlchemy API (a minor SQLAlchemy upgrade must not break the server silently)."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[2] / "backend"
MIGRATIONS = BACKEND / "db" / "migrations"


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in BACKEND.rglob("*.py"):
        if MIGRATIONS in path.parents:
            continue  # frozen history, run by alembic: checked separately below
        parts = list(path.relative_to(BACKEND.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


# Run in a fresh interpreter: CPython 3.11's AST validator compares C recursion depths that a deep
# recursion earlier in a long test process can leave skewed ("AST constructor recursion depth
# mismatch", seen even on a new thread), so the parse happens where nothing ran before it.
_IMPORT_STATEMENTS = """
import ast, json, sys
found = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read(), path)
    found[path] = [
        [getattr(node, "module", None), getattr(node, "level", 0), [alias.name for alias in node.names]]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
print(json.dumps(found))
"""


@functools.cache
def _import_statements() -> dict[str, list[tuple[str | None, int, list[str]]]]:
    """Every file's import statements: (module of a `from` import or None, level, names)."""
    paths = [str(path) for path in sorted(_modules().values())]
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_STATEMENTS, *paths], capture_output=True, text=True, check=True
    )
    found: dict[str, list[tuple[str | None, int, list[str]]]] = json.loads(done.stdout)
    return found


def _imports(path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """Every backend module this file imports, wherever in the file (a function-local import that
    dodges a cycle is still a cycle)."""
    for module, level, names in _import_statements()[str(path)]:
        if module is None:
            yield from (name for name in names if name in modules)
        elif level == 0:
            for name in names:
                submodule = f"{module}.{name}"
                if submodule in modules:
                    yield submodule
                elif module in modules:
                    yield module


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
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
        for target in graph[node]:
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


def test_the_backend_has_no_import_cycle() -> None:
    modules = _modules()
    graph = {name: {m for m in _imports(path, modules) if m != name} for name, path in modules.items()}
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    # The checker itself, on a graph with one cycle and one clean chain.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_the_domain_takes_narrow_services_not_the_running_portal() -> None:
    modules = _modules()
    offenders = [
        name
        for name, path in modules.items()
        if name.startswith("backend.domain") and "backend.portal" in set(_imports(path, modules))
    ]
    assert offenders == []


PRIVATE_SQLALCHEMY = re.compile(
    r"from sqlalchemy[\w.]* import [^\n]*\b_\w+"  # a private name imported
    r"|\._result_columns|\._cached_result_processor|\binstance_state\b|\bmanager_of_class\b"
)


def test_no_private_sqlalchemy_api() -> None:
    offenders = [
        f"{path.relative_to(BACKEND.parent)}: {match.group(0)}"
        for path in BACKEND.rglob("*.py")
        for match in PRIVATE_SQLALCHEMY.finditer(path.read_text())
    ]
    assert offenders == []


def test_migrations_do_not_import_live_code() -> None:
    offenders = [
        str(path.relative_to(BACKEND.parent))
        for path in (MIGRATIONS / "versions").glob("*.py")
        if re.search(r"^\s*(from|import) backend\.(domain|loaders|schema|resolvers)", path.read_text(), re.M)
    ]
    assert offenders == []
