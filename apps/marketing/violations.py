"""A variant's violations as people read them, in the language of the request being answered.

The checks (``copy/``, no Django) record each violation with a stable code, the rule's term and the
offending words; the message shown beside them is written here, at answer time, so the API and the
dashboard say it in the reader's language (Accept-Language, the language chosen in the dashboard)
whatever the language of the copy or of whoever generated it.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .copy.compliance import LEGAL_SOURCE

MESSAGES: dict[str, Promise] = {
    "empty": _("The text is empty."),
    "over_limit": _("%(found)s is over the channel's limit of %(term)s."),
    "too_short": _("Only %(found)s; at least %(term)s expected."),
    "hashtags": _("The post needs a hashtag."),
    "wrong_language": _("Not written in the requested language."),
    "prompt_echo": _("Repeats the prompt's form instead of writing copy."),
    "off_topic": _("Says nothing about the products or the promotion."),
    "ad_law": _("“%(found)s” is an absolute claim banned by %(source)s."),
    "absolute_claim": _("“%(found)s” is an absolute claim that cannot be substantiated."),
    "store_banned": _("“%(found)s” is a word the store bans."),
    "brand_voice": _("“%(found)s” is a word the brand voice avoids."),
    "wrong_discount": _("“%(found)s” does not match the promotion's discount."),
    "wrong_date": _("“%(found)s” is not a date of the promotion."),
    "wrong_code": _("“%(found)s” is not the promotion's code."),
    "unknown_promotion": _("“%(found)s”: the promotion has no such term."),
    "invented_fact": _("“%(found)s” is not in the products' facts."),
}
# Invented facts by the kind of claim (the grounding check's flag code, kept as the violation's term).
INVENTED: dict[str, Promise] = {
    "unsupported_number": _("The number %(found)s is not in the products' facts."),
    "unsupported_material": _("The material “%(found)s” is not in the products' facts."),
    "unsupported_colour": _("The colour “%(found)s” is not in the products' facts."),
    "unsupported_certification": _("“%(found)s” (a certification or guarantee) is not in the facts."),
}


def violation_message(violation: dict[str, Any]) -> str:
    """The message of one stored violation in the active language (its stored text for unknown codes)."""
    code = str(violation.get("code", ""))
    template = (INVENTED.get(str(violation.get("term", ""))) if code == "invented_fact" else None) or (
        MESSAGES.get(code)
    )
    if template is None:
        return str(violation.get("message", ""))
    return str(template) % {
        "found": violation.get("found", ""),
        "term": violation.get("term", ""),
        "source": LEGAL_SOURCE,
    }


def violations_shown(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored violations with their messages in the active language."""
    return [{**violation, "message": violation_message(violation)} for violation in violations]
