"""The catalog's shape: its text work runs without Django, and the product fields are named once."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import get_type_hints

from apps.catalog.fields import PRODUCT_FIELD_NAMES, PRODUCT_FIELDS, ProductDetails, ProductValues

ROOT = Path(__file__).parents[2]
TEXT_PACKAGE = ROOT / "apps" / "catalog" / "text"
# What the text package may import from the project: itself, and the shared text rules (also Django-free).
ALLOWED_PROJECT_MODULES = ("apps.catalog.text", "apps.core.text")


def _imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                modules.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                modules.add(node.module)
    return modules


def test_the_text_package_imports_no_django() -> None:
    files = sorted(TEXT_PACKAGE.glob("*.py"))
    assert {path.name for path in files} >= {"facts.py", "options.py", "prompting.py", "grounding.py"}
    for path in files:
        modules = _imported_modules(path)
        django = sorted(name for name in modules if name == "django" or name.startswith("django."))
        assert django == [], f"{path.name} imports {django}"
        project = sorted(name for name in modules if name == "apps" or name.startswith("apps."))
        outside = [name for name in project if not name.startswith(ALLOWED_PROJECT_MODULES)]
        assert outside == [], f"{path.name} imports {outside}, which may import Django"


def test_the_text_package_loads_without_django_at_all() -> None:
    names = sorted(
        f"apps.catalog.text.{path.stem}" for path in TEXT_PACKAGE.glob("*.py") if path.stem != "__init__"
    )
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120, cwd=ROOT
    )
    assert output.stdout.strip() == "[]", output.stderr


def test_the_product_values_type_names_exactly_the_product_fields() -> None:
    keys = ProductValues.__required_keys__ | ProductValues.__optional_keys__
    assert sorted(keys) == sorted(PRODUCT_FIELD_NAMES)
    assert len(PRODUCT_FIELD_NAMES) == len(set(PRODUCT_FIELD_NAMES)) == len(PRODUCT_FIELDS)
    # ProductDetails is the same list less the two every create needs as named arguments.
    details = ProductDetails.__required_keys__ | ProductDetails.__optional_keys__
    assert details == keys - {"sku", "title"}
    assert set(get_type_hints(ProductValues)) == keys
