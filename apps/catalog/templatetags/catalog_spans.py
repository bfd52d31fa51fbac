"""The draft as the reviewer reads it: invented spans and puffery marked, the reason on hover and focus."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from ..text.reasons import TEMPLATES

register = template.Library()


def translated(item: dict[str, Any], field: str) -> str:
    """``item[field]`` in the active language where its code was stored (text/reasons.py), else as stored."""
    template = TEMPLATES.get(str(item.get(f"{field}_code") or ""))
    if template:
        try:
            params = json.loads(item.get(f"{field}_params") or "{}")
            return gettext(template).format(**{key: str(value) for key, value in params.items()})
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            pass
    return str(item.get(field, ""))


@register.filter
def highlight_spans(text: str, spans: list[dict[str, Any]] | None) -> SafeString:
    """``text`` escaped, line breaks kept, each valid span in a focusable <mark> with its reason.

    Spans that overlap an earlier one or fall outside the text (a text edited since) are skipped."""
    text = text or ""
    pieces: list[str] = []
    position = 0
    for span in sorted(spans or [], key=lambda item: (item.get("start", 0), item.get("end", 0))):
        start, end = int(span.get("start", -1)), int(span.get("end", -1))
        if (
            start < position
            or end <= start
            or end > len(text)
            or text[start:end] != span.get("text", text[start:end])
        ):
            continue
        kind = "puffery" if span.get("kind") == "puffery" else "invented"
        reason = translated(span, "reason")
        label = _("generic praise") if kind == "puffery" else _("not in the facts")
        pieces.append(escape(text[position:start]))
        pieces.append(
            format_html(
                '<mark class="span span-{}" tabindex="0" title="{}" data-reason="{}" aria-label="{}">'
                "{}</mark>",
                kind,
                reason,
                reason,
                f"{text[start:end]} ({label}: {reason})",
                text[start:end],
            )
        )
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces).replace("\n", "<br>"))  # noqa: S308 - every piece escaped above


@register.filter
def flag_message(flag: dict[str, Any]) -> str:
    """A check's flag message in the language of the page, where its code was stored."""
    return translated(flag, "message")
