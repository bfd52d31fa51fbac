"""Personal data stays out of logs and out of what a remote model receives; hostile messages are text."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from apps.support.services import assistant, inbox

from .helpers import build_knowledge_base, make_order

pytestmark = pytest.mark.django_db

PERSONAL = "My email is ana@example.com, phone 13800138000, card 4111 1111 1111 1111."


def _turn(conversation: Any, text: str) -> list[dict[str, Any]]:
    message = assistant.shopper_message_receive(conversation=conversation, text=text)
    return list(assistant.assistant_turn(conversation=conversation, message=message, ip_address="10.1.1.1"))


def test_logs_never_carry_the_shoppers_personal_data(store: Any, fake_inference: Any, caplog: Any) -> None:
    build_knowledge_base(store)
    make_order(store, "EC-1001")
    caplog.set_level(logging.DEBUG)
    conversation = inbox.conversation_start(store=store)
    _turn(conversation, f"How long does shipping take? {PERSONAL}")
    _turn(conversation, "order EC-1001 ana@example.com")
    logged = caplog.text
    assert "shopper wrote" in logged
    for secret in ("ana@example.com", "13800138000", "4111 1111 1111 1111"):
        assert secret not in logged


def test_a_remote_backend_receives_redacted_text_only(
    store: Any, fake_inference: Any, settings: Any, monkeypatch: Any
) -> None:
    build_knowledge_base(store)
    sent: list[str] = []
    embed = fake_inference.embed

    def recording_embed(texts: Any, spec: Any, *, kind: str = "passage") -> Any:
        sent.extend(texts)
        return embed(texts, spec, kind=kind)

    monkeypatch.setattr(fake_inference, "embed", recording_embed)
    settings.INFERENCE_BACKEND = "openai"  # the suite's fake still answers (use_backend wins)
    conversation = inbox.conversation_start(store=store)
    events = _turn(conversation, "How long does standard shipping take? (ana@example.com, 13800138000)")
    prompts = [request.prompt or "" for batch in fake_inference.requests for request in batch]
    assert prompts, events
    for text in [*sent[-1:], *prompts]:
        for secret in ("ana@example.com", "13800138000"):
            assert secret not in text
    # The remote model's free text did not pass the support check: the answer is quoted from the source.
    answer = [event for event in events if event["type"] == "message"][-1]["message"]
    assert answer["kind"] == "answer" and "3 to 5 business days" in answer["text"]


def test_html_in_a_message_is_stored_and_answered_as_text(store: Any, fake_inference: Any) -> None:
    build_knowledge_base(store)
    conversation = inbox.conversation_start(store=store)
    events = _turn(conversation, "<img src=x onerror=alert(1)> How long does shipping take?")
    assert events[0]["message"]["text"].startswith("<img src=x")  # stored as typed; pages escape it
    assert "<img" not in events[-1]["message"]["text"]
