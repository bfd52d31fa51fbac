"""Fill empty msgstr entries of locale/<lang>/LC_MESSAGES/django.po from locale/<lang>.json.

Usage: python scripts/fill_translations.py zh_Hans
The JSON file is the reviewed glossary of the dashboard's strings; `make messages` re-extracts
the strings and this script carries the reviewed translations into the .po file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _unquote(block: str) -> str:
    return "".join(json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', block))


def fill(language: str) -> int:
    po_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    glossary = json.loads((ROOT / "locale" / f"{language}.json").read_text(encoding="utf-8"))
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
    # Entries are now reviewed translations, not guesses: drop the fuzzy flag and the previous
    # msgid makemessages guessed from ("#| msgid ..."); a fuzzy entry is left out of the .mo.
    text = re.sub(r"^#, fuzzy\n(?:#\|.*\n)*(?=#:|msgid)", "", text, flags=re.M)
    po_path.write_text(text, encoding="utf-8")
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return len(missing)


if __name__ == "__main__":
    sys.exit(1 if fill(sys.argv[1] if len(sys.argv) > 1 else "zh_Hans") else 0)
