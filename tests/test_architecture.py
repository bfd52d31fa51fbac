"""The layering rules of docs/architecture.md, checked on the code itself."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parent.parent / "apps"
MAX_LINES = 400
DOMAIN_APPS = {"catalog", "reviews", "support", "marketing", "training", "dashboard", "imports"}


def _sources() -> list[Path]:
    return [path for path in APPS.rglob("*.py") if "migrations" not in path.parts]


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(APPS.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "apps" else None


def _app_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in _sources():
        app = path.relative_to(APPS).parts[0]
        for module in _imported_modules(path):
            target = _app_of(module)
            if target and target != app and (APPS / target).is_dir():
                graph[app].add(target)
    return graph


def test_no_app_imports_another_in_a_cycle() -> None:
    graph = _app_graph()
    cycles = []

    def visit(app: str, trail: list[str]) -> None:
        for target in sorted(graph.get(app, ())):
            if target in trail:
                cycles.append([*trail[trail.index(target) :], target])
            else:
                visit(target, [*trail, target])

    for app in sorted(graph):
        visit(app, [app])
    assert cycles == []


def test_core_imports_no_app_and_inference_no_domain_app() -> None:
    graph = _app_graph()
    assert graph.get("core", set()) == set()
    assert graph.get("inference", set()) <= {"core"}
    assert not (graph.get("accounts", set()) | graph.get("jobs", set())) & DOMAIN_APPS


@pytest.mark.parametrize("path", _sources(), ids=lambda path: str(path.relative_to(APPS)))
def test_no_file_under_apps_is_over_400_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


# Pure text packages: no Django. marketing/copy may also call the catalog's pure text checks.
PURE_PACKAGES = {"text": ("apps.core.text",), "copy": ("apps.core.text", "apps.catalog.text")}


@pytest.mark.parametrize(
    "path",
    sorted([*APPS.glob("*/text/*.py"), *APPS.glob("marketing/copy/*.py")]),
    ids=lambda path: str(path.relative_to(APPS)),
)
def test_text_packages_import_no_django(path: Path) -> None:
    imported = _imported_modules(path)
    assert not [name for name in imported if name == "django" or name.startswith("django.")]
    # Only its own package and the shared text rules from the rest of the project.
    own = ".".join(path.relative_to(APPS.parent).parts[:3])  # apps.<app>.text
    allowed = (*PURE_PACKAGES[path.parent.name], own)
    assert [name for name in imported if name.startswith("apps.") and not name.startswith(allowed)] == []


def test_the_checks_see_real_edges() -> None:
    """The graph is not empty by mistake: the catalog does import accounts, jobs and inference."""
    assert {"accounts", "jobs", "inference", "imports", "core"} <= _app_graph()["catalog"]
