"""Span and flag reasons are stored with their code, so each reader gets them in their own language."""

from __future__ import annotations

import copy
import json
import pickle

from django.utils import translation

from apps.catalog.templatetags.catalog_spans import flag_message, highlight_spans, translated
from apps.catalog.text.drafts import span_flags
from apps.catalog.text.facts import ProductFacts
from apps.catalog.text.grounding import check
from apps.catalog.text.invention import detect
from apps.catalog.text.reasons import TEMPLATES, Reason

SHIRT = ProductFacts(
    title="Linen shirt", brand="Harbor Lane", attributes={"material": "linen", "fit": "relaxed"}
)


def test_a_reason_is_its_english_text_and_keeps_its_code_through_copies() -> None:
    reason = Reason("not_in_facts", word="waterproof")
    assert reason == "“waterproof” is not in the product's facts."
    for copied in (copy.deepcopy(reason), pickle.loads(pickle.dumps(reason))):  # noqa: S301 - own data
        assert copied == reason and copied.code == "not_in_facts" and copied.params == {"word": "waterproof"}


def test_spans_and_their_flags_read_in_the_reviewers_language() -> None:
    text = "A relaxed linen shirt that is waterproof."
    spans = [span.to_dict() for span in detect(text, SHIRT, language="en").spans]
    invented = next(span for span in spans if span["text"] == "waterproof")
    assert invented["reason"] == "“waterproof” is not in the product's facts."
    assert invented["reason_code"] == "not_in_facts" and json.loads(invented["reason_params"]) == {
        "word": "waterproof"
    }
    stored = json.loads(json.dumps(spans))  # as the database keeps them
    flags = span_flags(stored)
    with translation.override("zh-hans"):
        assert translated(stored[spans.index(invented)], "reason") == "“waterproof”不在商品的事实信息中。"
        assert 'title="“waterproof”不在商品的事实信息中。"' in highlight_spans(text, stored)
        assert (
            flag_message(next(f for f in flags if f["term"] == "waterproof"))
            == "“waterproof”不在商品的事实信息中。"
        )
    with translation.override("en"):
        assert 'title="“waterproof” is not in the product&#x27;s facts."' in highlight_spans(text, stored)


def test_check_flags_translate_with_their_parameters() -> None:
    report = check("Linen.", SHIRT, language="en", target_length=50)
    short = next(flag for flag in report.flags if flag["code"] == "too_short")
    assert short["message"] == "Only 1 of about 50."
    with translation.override("zh-hans"):
        assert flag_message(short) == "只有 1，目标约为 50。"


def test_reasons_stored_without_a_code_or_with_a_broken_one_show_as_stored() -> None:
    old = {"reason": "“x” is not in the product's facts."}
    broken = {"reason": "kept", "reason_code": "not_in_facts", "reason_params": "{not json"}
    unknown = {"reason": "kept", "reason_code": "no_such_code", "reason_params": "{}"}
    with translation.override("zh-hans"):
        assert [translated(item, "reason") for item in (old, broken, unknown)] == [
            old["reason"],
            "kept",
            "kept",
        ]


def test_every_template_has_a_chinese_translation() -> None:
    with translation.override("zh-hans"):
        untranslated = [
            template for template in TEMPLATES.values() if translation.gettext(template) == template
        ]
    assert untranslated == []
