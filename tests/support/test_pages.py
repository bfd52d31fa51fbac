"""Dashboard pages (inbox, conversation, knowledge, orders, widget) and the widget's own pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.support.models import Conversation, FaqEntry, KnowledgeDocument, Message
from apps.support.services import inbox
from apps.support.services.settings import support_settings_for

from .helpers import build_knowledge_base, make_order, run_all_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(owner: Any) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def test_the_store_navigation_shows_customer_service(store: Any, client: Client) -> None:
    page = client.get(f"/s/{store.pk}/")
    assert f'href="/s/{store.pk}/support/"' in page.content.decode()


def test_pages_render_in_english_and_chinese(store: Any, client: Client, fake_inference: Any) -> None:
    build_knowledge_base(store)
    make_order(store)
    conversation = inbox.conversation_start(store=store)
    inbox.message_add(conversation=conversation, role=Message.Role.SHOPPER, text="<b>hello</b>")
    document = KnowledgeDocument.objects.get(store=store)
    urls = [
        f"/s/{store.pk}/support/",
        f"/s/{store.pk}/support/?status=all",
        f"/s/{store.pk}/support/conversations/{conversation.pk}/",
        f"/s/{store.pk}/support/knowledge/",
        f"/s/{store.pk}/support/knowledge/documents/{document.pk}/",
        f"/s/{store.pk}/support/orders/",
        f"/s/{store.pk}/support/orders/imports/",
        f"/s/{store.pk}/support/widget/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    thread = client.get(f"/s/{store.pk}/support/conversations/{conversation.pk}/").content.decode()
    assert "&lt;b&gt;hello&lt;/b&gt;" in thread and "<b>hello</b>" not in thread
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = client.get(f"/s/{store.pk}/support/knowledge/").content.decode()
    assert "知识库" in chinese


def test_upload_faq_and_document_from_the_knowledge_page(
    store: Any, client: Client, fake_inference: Any
) -> None:
    url = f"/s/{store.pk}/support/knowledge/"
    faq_csv = "question,answer\nDo you gift wrap?,Yes for 2 USD.\n退货运费谁出？,中国大陆地区退货免运费。\n"
    response = client.post(
        url, {"action": "faq_upload", "file": SimpleUploadedFile("faq.csv", faq_csv.encode())}
    )
    assert response.status_code == 302
    assert set(FaqEntry.objects.filter(store=store).values_list("question", flat=True)) == {
        "Do you gift wrap?",
        "退货运费谁出？",
    }
    response = client.post(
        url,
        {
            "action": "upload",
            "title": "",
            "file": SimpleUploadedFile("returns.md", b"# Returns\n\nWithin 30 days."),
        },
    )
    assert response.status_code == 302
    run_all_jobs()
    page = client.get(url).content.decode()
    assert "Returns" in page and "Ready" in page
    bad = client.post(url, {"action": "faq_upload", "file": SimpleUploadedFile("faq.txt", b"nothing here")})
    assert bad.status_code == 200 and "No question and answer found" in bad.content.decode()


def test_reply_note_assign_and_resolve_from_the_conversation_page(
    store: Any, owner: Any, client: Client
) -> None:
    conversation = inbox.conversation_start(store=store)
    inbox.handoff_create(conversation=conversation, reason="asked_for_human")
    base = f"/s/{store.pk}/support/conversations/{conversation.pk}"
    assert client.post(f"{base}/reply/", {"text": "We are on it."}).status_code == 302
    assert client.post(f"{base}/note/", {"text": "Check the warehouse."}).status_code == 302
    assert client.post(f"{base}/assign/", {"assignee": owner.pk}).status_code == 302
    assert client.post(f"{base}/resolve/").status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == "resolved" and conversation.assignee == owner
    assert conversation.messages.filter(role="agent", text="We are on it.").exists()
    assert conversation.notes.get().text == "Check the warehouse."
    fragment = client.get(base + "/", HTTP_HX_REQUEST="true").content.decode()
    assert "We are on it." in fragment and "<html" not in fragment


def test_another_stores_pages_answer_404(
    store: Any, other_store: Any, client: Client, fake_inference: Any
) -> None:
    document = build_knowledge_base(other_store)
    conversation = inbox.conversation_start(store=other_store)
    for url in (
        f"/s/{other_store.pk}/support/",
        f"/s/{store.pk}/support/conversations/{conversation.pk}/",
        f"/s/{store.pk}/support/knowledge/documents/{document.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/s/{store.pk}/support/conversations/{conversation.pk}/reply/", {"text": "x"}
        ).status_code
        == 404
    )
    faq = FaqEntry.objects.filter(store=other_store).first()
    assert faq is not None
    assert client.post(f"/s/{store.pk}/support/knowledge/faq/{faq.pk}/delete/").status_code == 404
    assert FaqEntry.objects.filter(pk=faq.pk).exists()


def test_the_widget_page_may_be_framed_only_by_allowed_sites(store: Any) -> None:
    widget = support_settings_for(store=store)
    widget.allowed_origins = ["https://shop.example"]
    widget.save()
    url = f"/support/w/{widget.widget_key}/"
    response = Client().get(url, HTTP_REFERER="https://shop.example/products/1")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://shop.example" in policy
    assert "script-src 'self'" in policy
    assert "X-Frame-Options" not in response
    assert "<script>" not in response.content.decode()
    assert Client().get(url, HTTP_REFERER="https://evil.example/").status_code == 403
    assert Client().get(url, HTTP_REFERER="http://testserver/s/1/support/widget/").status_code == 200
    assert Client().get("/support/w/unknown-key/").status_code == 404
    # Dashboard pages stay unframeable.
    assert Client().get("/login/")["X-Frame-Options"] == "DENY"


def test_a_cited_source_is_readable_only_through_its_own_stores_widget(
    store: Any, other_store: Any, fake_inference: Any
) -> None:
    build_knowledge_base(store)
    widget = support_settings_for(store=store)
    other_widget = support_settings_for(store=other_store)
    chunk = store.support_chunks.filter(kind="section").first()
    assert chunk is not None
    page = Client().get(f"/support/w/{widget.widget_key}/sources/{chunk.pk}/")
    assert page.status_code == 200 and "within 30 days of delivery" in page.content.decode()
    assert Client().get(f"/support/w/{other_widget.widget_key}/sources/{chunk.pk}/").status_code == 404


def test_the_inbox_fragment_polls_and_lists_new_conversations(store: Any, client: Client) -> None:
    inbox_url = f"/s/{store.pk}/support/?status=pending"
    assert 'hx-trigger="every 3s"' in client.get(inbox_url).content.decode()
    conversation = inbox.conversation_start(store=store)
    inbox.handoff_create(conversation=conversation, reason="asked_for_human")
    fragment = client.get(inbox_url, HTTP_HX_REQUEST="true").content.decode()
    assert f'data-conversation="{conversation.pk}"' in fragment
    assert Conversation.objects.filter(store=store).count() == 1
