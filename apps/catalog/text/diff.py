"""Differences between two texts: word by word in English, character by character in Chinese."""

from __future__ import annotations

import difflib
import re

_TOKEN = re.compile(r"[\u3400-\u9fff]|\w+|\s+|[^\w\s]", re.UNICODE)


def text_diff(old: str, new: str) -> list[dict[str, str]]:
    """A list of ``{"op": "equal" | "insert" | "delete", "text": ...}`` segments."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    segments: list[dict[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            segments.append({"op": "delete", "text": "".join(a[i1:i2])})
        if tag in ("insert", "replace"):
            segments.append({"op": "insert", "text": "".join(b[j1:j2])})
        if tag == "equal":
            segments.append({"op": "equal", "text": "".join(a[i1:i2])})
    return segments
