"""The house's layering, read from the source with ast: each import arrow points down.

Every import counts, wherever it stands (module top, inside a function, under
``TYPE_CHECKING``): a deferred import hides a dependency, it does not remove it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in APP.rglob("*.py")}


def _imported(node: ast.AST, package: str) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: resolve against the importing package
            parent = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parent, base] if base else parent)
        yield base
        yield from (f"{base}.{alias.name}" for alias in node.names)


@cache
def imports_of(module: str) -> frozenset[str]:
    """The app modules ``module`` imports, directly."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        found.update(name for name in _imported(node, package) if name in modules())
    found.discard(module)
    return frozenset(found)


def reachable(start: str) -> set[str]:
    """Every app module ``start`` depends on, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for name in imports_of(todo.pop()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def in_package(package: str) -> list[str]:
    return sorted(m for m in modules() if m == package or m.startswith(package + "."))


def test_the_walker_sees_deferred_and_type_only_imports() -> None:
    """The rules below would pass vacuously if the walker missed imports."""
    assert "app.models" in imports_of("app.instruments.registry")
    assert "app.forms.schema" in imports_of("app.forms.checks")
    assert "app.forms.registry" in imports_of("app.cli")  # imported inside a function
    assert "app.models" in reachable("app.main")


def test_forms_are_pure_data() -> None:
    """Instrument definitions know nothing of tables, sessions or the web layer."""
    forbidden = ("app.models", "app.db", "app.deps", "app.instruments")
    for module in in_package("app.forms"):
        bad = sorted(m for m in reachable(module) if m.startswith(forbidden))
        assert not bad, f"{module} depends on {bad}"


def test_the_kernel_does_not_import_domains() -> None:
    """deps.py is imported by every router: it may not reach up into collection."""
    bad = sorted(m for m in reachable("app.deps") if m.startswith("app.collection"))
    assert not bad, f"app.deps depends on {bad}"


def test_forms_have_no_import_cycle() -> None:
    for module in in_package("app.forms"):
        assert module not in reachable(module), f"{module} imports itself through others"


# The statistics engine's steps (docs/statistics.md "The engine's flow"): the data flows
# queue → fold → tallies → estimates → ranks; each step's files may not reach a step it
# feeds (a fold knows nothing of estimates or reports; the estimates do not fold and know
# nothing of reports; the tallies' state knows neither). ``load.py`` joins the steps (it reads
# the tallies and, without a worker, folds first) and is the only statistics module that may.
S = "app.statistics."
FOLD = ("tasks", "maintained", "rebuild")
ESTIMATES = ("load", "sufficient", "cellstore", "inference", "overalls")
NOT_REACHING = {
    "freshness": [*FOLD, *ESTIMATES],
    **{name: list(ESTIMATES) for name in FOLD},
    **{name: ["tasks", "maintained", "load"] for name in ("inference", "overalls")},
}


def test_the_engine_steps_point_down_the_pipeline() -> None:
    for name, later in NOT_REACHING.items():
        forbidden = (*(S + m for m in later), "app.reporting")
        bad = sorted(m for m in reachable(S + name) if m.startswith(forbidden))
        assert not bad, f"{S + name} reaches a step it feeds: {bad}"
