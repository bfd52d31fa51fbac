"""The draft as the reviewer reads it: invented spans and puffery marked, the reason on hover and focus."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


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
        label = _("generic praise") if kind == "puffery" else _("not in the facts")
        pieces.append(escape(text[position:start]))
        pieces.append(
            format_html(
                '<mark class="span span-{}" tabindex="0" title="{}" data-reason="{}" aria-label="{}">'
                "{}</mark>",
                kind,
                span.get("reason", ""),
                span.get("reason", ""),
                f"{text[start:end]} ({label}: {span.get('reason', '')})",
                text[start:end],
            )
        )
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces).replace("\n", "<br>"))  # noqa: S308 - every piece escaped above
