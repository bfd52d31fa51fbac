"""The staff's support API: knowledge base, inbox and widget settings; roles and another store's ids."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.jobs.models import Job
from apps.support.models import Chunk, KnowledgeDocument
from apps.support.services import inbox
from apps.support.services.settings import support_settings_for

from .helpers import build_knowledge_base, run_all_jobs

pytestmark = pytest.mark.django_db


def base(store: Any) -> str:
    return f"/api/v1/stores/{store.pk}/support"


def test_paste_and_upload_documents_then_search(
    store: Any, api_client: APIClient, fake_inference: Any
) -> None:
    pasted = api_client.post(
        base(store) + "/documents/",
        {
            "title": "Sizing",
            "text": "# Sizing\n\nOur dresses run small: order one size up.",
            "format": "markdown",
        },
        format="json",
    )
    assert pasted.status_code == 201, pasted.content
    assert (pasted.json()["status"], pasted.json()["version"], pasted.json()["source_format"]) == (
        "indexing",
        1,
        "markdown",
    )
    uploaded = api_client.post(
        base(store) + "/documents/upload/",
        {"file": SimpleUploadedFile("warranty.txt", b"Warranty\n\nEvery bag has a two-year warranty.")},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.content
    assert Job.objects.filter(store=store, kind="support.reindex").count() == 2
    run_all_jobs()
    listed = api_client.get(base(store) + "/documents/").json()
    assert {row["title"]: row["chunk_count"] for row in listed["results"]} == {"Sizing": 1, "Warranty": 1}
    hits = api_client.get(base(store) + "/search/", {"q": "is there a warranty on bags?"}).json()
    assert hits[0]["text"] == "Every bag has a two-year warranty." and hits[0]["supports"] is True
    document_id = pasted.json()["id"]
    patched = api_client.patch(
        f"{base(store)}/documents/{document_id}/", {"text": "# Sizing\n\nTrue to size."}, format="json"
    )
    assert patched.json()["version"] == 2
    versions = api_client.get(f"{base(store)}/documents/{document_id}/versions/").json()
    assert [version["number"] for version in versions["results"]] == [2, 1]
    assert api_client.delete(f"{base(store)}/documents/{document_id}/").status_code == 204
    assert not Chunk.objects.filter(document_id=document_id).exists()


def test_a_document_needs_text_or_a_file(store: Any, api_client: APIClient) -> None:
    assert api_client.post(base(store) + "/documents/", {"title": "x"}, format="json").status_code == 400
    empty = api_client.post(base(store) + "/documents/", {"text": "   ", "format": "text"}, format="json")
    assert empty.status_code == 400


def test_faq_crud_and_reindex(store: Any, api_client: APIClient, fake_inference: Any) -> None:
    created = api_client.post(
        base(store) + "/faq/", {"question": "Gift wrap?", "answer": "Yes, for 2 USD."}, format="json"
    )
    assert created.status_code == 201
    url = f"{base(store)}/faq/{created.json()['id']}/"
    assert api_client.patch(url, {"answer": "Yes, free."}, format="json").json()["version"] == 2
    job = api_client.post(base(store) + "/reindex/").json()
    assert job["kind"] == "support.reindex" and job["total"] == 1
    assert api_client.delete(url).status_code == 204
    assert api_client.post(base(store) + "/reindex/").status_code == 400


def test_a_viewer_reads_but_does_not_write(store: Any, member_client: Any) -> None:
    viewer = member_client(Role.VIEWER)
    assert viewer.get(base(store) + "/documents/").status_code == 200
    refused = viewer.post(base(store) + "/faq/", {"question": "q?", "answer": "a."}, format="json")
    assert refused.status_code == 403
    assert viewer.patch(base(store) + "/widget/", {"allowed_origins": []}, format="json").status_code == 403


def test_another_stores_knowledge_and_conversations_answer_404(
    store: Any, other_store: Any, api_client: APIClient, fake_inference: Any
) -> None:
    document = build_knowledge_base(other_store)
    conversation = inbox.conversation_start(store=other_store)
    faq_id = other_store.faq_entries.first().pk
    urls = [
        f"{base(store)}/documents/{document.pk}/",
        f"{base(store)}/documents/{document.pk}/versions/",
        f"{base(store)}/faq/{faq_id}/",
        f"{base(store)}/conversations/{conversation.pk}/",
        f"{base(other_store)}/documents/",
        f"{base(other_store)}/conversations/",
    ]
    for url in urls:
        assert api_client.get(url).status_code == 404, url
    for action in ("reply", "notes", "resolve", "assign"):
        response = api_client.post(
            f"{base(store)}/conversations/{conversation.pk}/{action}/",
            {"text": "hi", "assignee": None},
            format="json",
        )
        assert response.status_code == 404, action
    assert api_client.delete(f"{base(store)}/documents/{document.pk}/").status_code == 404
    assert KnowledgeDocument.objects.filter(pk=document.pk).exists()
    assert not conversation.messages.exists()
    # The search only ever sees the caller's own chunks.
    assert api_client.get(base(store) + "/search/", {"q": "returns within 30 days"}).json() == []


def test_inbox_lists_filters_and_assigns(
    store: Any, owner: Any, other_store: Any, api_client: APIClient
) -> None:
    waiting = inbox.conversation_start(store=store)
    inbox.handoff_create(conversation=waiting, reason="asked_for_human")
    inbox.conversation_start(store=store)
    inbox.conversation_start(store=other_store)
    pending = api_client.get(base(store) + "/conversations/", {"status": "pending"}).json()
    assert [row["id"] for row in pending["results"]] == [waiting.pk]
    assert api_client.get(base(store) + "/conversations/").json()["count"] == 2
    assert api_client.get(base(store) + "/conversations/", {"status": "lost"}).status_code == 400
    url = f"{base(store)}/conversations/{waiting.pk}/assign/"
    assert api_client.post(url, {"assignee": owner.pk}, format="json").json()["assignee"] == owner.username
    stranger = other_store.memberships.first().user
    assert api_client.post(url, {"assignee": stranger.pk}, format="json").status_code == 400


def test_widget_settings_normalise_and_refuse_bad_sites(store: Any, api_client: APIClient) -> None:
    url = base(store) + "/widget/"
    key = api_client.get(url).json()["widget_key"]
    saved = api_client.patch(
        url, {"allowed_origins": ["https://Shop.Example/path", "http://localhost:8000"]}, format="json"
    )
    assert saved.json()["allowed_origins"] == ["https://shop.example", "http://localhost:8000"]
    assert saved.json()["widget_key"] == key == support_settings_for(store=store).widget_key
    for bad in (["javascript:alert(1)"], ["ftp://shop.example"], ["https://user:pw@shop.example"], ["*"]):
        assert api_client.patch(url, {"allowed_origins": bad}, format="json").status_code == 400, bad
