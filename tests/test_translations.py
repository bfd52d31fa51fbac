"""Every string a template marks for translation has a Chinese translation in the compiled catalog.

The templates are read as `makemessages` reads them (Django's ``templatize``), so {% translate %},
{% blocktranslate %} (trimmed, with context, with plurals) and ``_("...")`` in filter arguments are all
found; a msgid that the compiled catalog (locale/zh_Hans/LC_MESSAGES/django.mo) lacks fails the test
with the template it comes from. `make messages` adds the glossary's translations to the catalog.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("apps/*/templates"))]
LITERAL = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
CALL = re.compile(rf"(?<![\w.])(_|gettext|ngettext|pgettext|npgettext)\(\s*((?:{LITERAL}\s*,?\s*)+)")
CONTEXT_SEPARATOR = "\x04"


def _templates() -> list[Path]:
    return sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html"))


def template_msgids(source: str) -> list[str]:
    """The catalog keys a template needs: msgids, context-prefixed for pgettext (as in a .mo file)."""
    keys = []
    for function, arguments in CALL.findall(templatize(source)):
        literals = [ast.literal_eval(literal) for literal in re.findall(LITERAL, arguments)]
        if function in ("pgettext", "npgettext"):
            keys.append(f"{literals[0]}{CONTEXT_SEPARATOR}{literals[1]}")
        else:
            keys.append(literals[0])
    return keys


def _translated(catalog: dict[object, str]) -> set[str]:
    keys = set()
    for key, value in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if isinstance(msgid, str) and msgid and value:
            keys.add(msgid)
    return keys


def test_the_extractor_finds_every_kind_of_marked_string() -> None:
    source = (
        '{% load i18n %}{% translate "Save" %}{% translate "May" context "month" %}'
        "{% blocktranslate trimmed count counter=n %}\n  {{ counter }} product\n"
        "{% plural %}{{ counter }} products{% endblocktranslate %}"
        '{{ value|default:_("none") }}'
    )
    assert template_msgids(source) == ["Save", "month\x04May", "%(counter)s product", "none"]


def test_every_template_string_has_a_chinese_translation() -> None:
    with CATALOG.open("rb") as file:
        translated = _translated(gettext.GNUTranslations(file)._catalog)  # type: ignore[attr-defined]
    missing = []
    for path in _templates():
        for msgid in template_msgids(path.read_text(encoding="utf-8")):
            if msgid not in translated:
                missing.append(f"{path.relative_to(ROOT)}: {msgid!r}")
    assert missing == [], "untranslated (add them to a glossary, then `make messages`):\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("msgid", ["Skip to content", "Nothing here yet", "Catalog & descriptions"])
def test_a_known_string_is_in_the_catalog(msgid: str) -> None:
    with CATALOG.open("rb") as file:
        catalog = gettext.GNUTranslations(file)
    assert catalog.gettext(msgid) != msgid
