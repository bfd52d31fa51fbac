"""Fill the msgstr entries of locale/<lang>/LC_MESSAGES/django.po from the reviewed glossaries.

Usage: python scripts/fill_translations.py zh_Hans
The glossaries are locale/<lang>.json (the shared dashboard's strings) and each module's own
apps/<module>/i18n/<lang>.json; `make messages` re-extracts every string of the project into
the one .po file and this script carries the reviewed translations into it. Untranslated
strings are listed, and the exit status says whether there were any.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _unquote(block: str) -> str:
    return "".join(json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', block))


def glossary_load(language: str) -> dict[str, str]:
    """The shared glossary, then each module's; a module's entry never overrides a shared one."""
    glossary: dict[str, str] = {}
    for path in sorted(ROOT.glob(f"apps/*/i18n/{language}.json")):
        glossary.update(json.loads(path.read_text(encoding="utf-8")))
    glossary.update(json.loads((ROOT / "locale" / f"{language}.json").read_text(encoding="utf-8")))
    return glossary


def _unfuzzy(block: str, glossary: dict[str, str]) -> str:
    match = re.search(r'^msgid (?P<msgid>(?:".*"\n?)+)', block, flags=re.M)
    if "#, fuzzy" not in block or match is None or _unquote(match.group("msgid")) not in glossary:
        return block
    lines = [line for line in block.split("\n") if not line.startswith("#|")]
    flags = [
        "#, " + ", ".join(flag for flag in line[3:].split(", ") if flag != "fuzzy")
        if line.startswith("#, ")
        else line
        for line in lines
    ]
    return "\n".join(line for line in flags if line != "#, ")


def fill(language: str) -> int:
    po_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    glossary = glossary_load(language)
    text = po_path.read_text(encoding="utf-8").replace("charset=CHARSET", "charset=UTF-8")
    missing: list[str] = []

    def translate(match: re.Match[str]) -> str:
        msgid = _unquote(match.group("msgid"))
        if not msgid:
            return match.group(0)
        if msgid not in glossary:
            missing.append(msgid)
            return match.group(0)
        translated = json.dumps(glossary[msgid], ensure_ascii=False)
        return f"msgid {match.group('msgid')}msgstr {translated}\n"

    pattern = r'^msgid (?P<msgid>(?:".*"\n)+)msgstr (?:".*"\n)+'
    text = re.sub(pattern, translate, text, flags=re.M)

    def translate_plural(match: re.Match[str]) -> str:
        # Chinese has one plural form: msgstr[0] is the glossary's entry for the singular msgid.
        msgid = _unquote(match.group("msgid"))
        if msgid not in glossary:
            missing.append(msgid)
            return match.group(0)
        translated = json.dumps(glossary[msgid], ensure_ascii=False)
        return f"msgid {match.group('msgid')}msgid_plural {match.group('plural')}msgstr[0] {translated}\n"

    plural = r'^msgid (?P<msgid>(?:".*"\n)+)msgid_plural (?P<plural>(?:".*"\n)+)msgstr\[0\] (?:".*"\n)+'
    text = re.sub(plural, translate_plural, text, flags=re.M)
    # Entries filled from a glossary are reviewed translations, not guesses: drop their fuzzy flag
    # (alone or beside python-format) and the previous msgid makemessages guessed from ("#| msgid
    # ..."); a fuzzy entry is left out of the .mo, so the page would show English.
    text = "\n\n".join(_unfuzzy(block, glossary) for block in text.split("\n\n"))
    po_path.write_text(text, encoding="utf-8")
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return len(missing)


if __name__ == "__main__":
    sys.exit(1 if fill(sys.argv[1] if len(sys.argv) > 1 else "zh_Hans") else 0)
