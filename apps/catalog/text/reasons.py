"""Why a span or a flag was raised, readable in the reviewer's language.

The checks run in workers, in no one's language, and their results are stored. So each reason is
kept as a code and its parameters beside the English text: ``Reason("not_in_facts", word="x")``
is the English sentence itself (a ``str``), and ``reason_fields`` stores the code and parameters
with it. Pages render them in the language of the request (``catalog_spans.translated``); the
English text stays for exports, the API and anything stored before codes were kept. Like the rest
of this package, no Django here: ``gettext_noop`` only marks the templates for makemessages.
"""

from __future__ import annotations

import json
from typing import Any


def gettext_noop(message: str) -> str:
    return message


TEMPLATES = {
    "not_in_facts": gettext_noop("“{word}” is not in the product's facts."),
    "praise": gettext_noop("“{word}” is generic praise, not a fact."),
    "size": gettext_noop("Size “{word}” is not in the facts."),
    "facts_give": gettext_noop("The facts give {key}: {value}."),
    "facts_give_not_size": gettext_noop("The facts give {key}: {value}, not this size."),
    "facts_give_not_for": gettext_noop("The facts give {key}: {value}, not for the “{word}”."),
    "facts_give_not_other": gettext_noop("The facts give {key}: {value}, not “{other}”."),
    "facts_give_not_a_material": gettext_noop("The facts give {key}: {value}, not a material (“{other}”)."),
    "facts_give_product_not_part": gettext_noop(
        "The facts give {key}: {value} for the product, not for the “{word}”."
    ),
    "facts_give_not_material": gettext_noop(
        "The facts give {key}: {value}, which is not what it is made of."
    ),
    "not_colour_choice": gettext_noop("The facts give {said}, not a choice of colours."),
    "number_is_other_dimension": gettext_noop("{number} is the {key} in the facts, not its {meaning}."),
    "number_is_other_fact": gettext_noop("{number} is the {key} in the facts, not {said}."),
    "claims_more": gettext_noop("“{text}” claims more than the product's facts say."),
    "unsupported_number": gettext_noop("The number {term} is not in the product's facts."),
    "unsupported_material": gettext_noop("The material “{term}” is not in the product's facts."),
    "unsupported_colour": gettext_noop("The colour “{term}” is not in the product's facts."),
    "unsupported_certification": gettext_noop("“{term}” (a certification or guarantee) is not in the facts."),
    "superlative": gettext_noop("The superlative “{term}” cannot be backed by the facts."),
    "puffery": gettext_noop("Generic praise, not a fact: {terms}."),
    "empty": gettext_noop("The draft is empty."),
    "too_short": gettext_noop("Only {length} of about {target}."),
    "too_long": gettext_noop("{length}, about {target} wanted."),
    "wrong_language": gettext_noop("Not written in the requested language."),
    "repetition": gettext_noop("Repeats itself."),
    "missing_keyword": gettext_noop("The keyword “{term}” is missing."),
    "banned_word": gettext_noop("Uses “{term}”, which the brand voice avoids."),
    "instruction_in_value": gettext_noop(
        "The value of “{term}” reads like an instruction to the model and was left out."
    ),
}


class Reason(str):
    """The English reason, carrying its template code and parameters."""

    code: str
    params: dict[str, str]

    def __new__(cls, code: str, **params: Any) -> Reason:
        text = {key: str(value) for key, value in params.items()}
        reason = super().__new__(cls, TEMPLATES[code].format(**text))
        reason.code, reason.params = code, text
        return reason

    def __reduce__(self) -> tuple[Any, ...]:  # copies and pickles keep the code
        return (_rebuild, (self.code, self.params))

    def __deepcopy__(self, memo: dict[int, Any]) -> Reason:
        return self


def _rebuild(code: str, params: dict[str, str]) -> Reason:
    return Reason(code, **params)


def reason_fields(reason: str, prefix: str) -> dict[str, str]:
    """``{prefix}_code`` and ``{prefix}_params`` (a JSON object) of a Reason, for a stored span or
    flag; nothing for a plain str."""
    if isinstance(reason, Reason):
        return {
            f"{prefix}_code": reason.code,
            f"{prefix}_params": json.dumps(reason.params, ensure_ascii=False),
        }
    return {}


def flag(code: str, term: str, reason: str) -> dict[str, str]:
    """A check's flag: its code, the term it is about, the message and the message's code."""
    return {"code": code, "term": term, "message": str(reason), **reason_fields(reason, "message")}
