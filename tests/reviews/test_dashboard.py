"""Reviews dashboard pages, as a merchant uses them; another store's ids answer 404."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Role
from apps.reviews.models import AspectMention, CustomAspect, ReplyDraft, ReviewSettings, SpikeAlert
from tests.factories import MembershipFactory, UserFactory

from .helpers import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(store: Any) -> Any:
    def make(role: str = Role.OWNER) -> Client:
        user = UserFactory()
        MembershipFactory(user=user, store=store, role=role)
        client = Client()
        client.force_login(user)
        return client

    return make


def test_reviews_in_the_sidebar_and_every_page_renders_escaped(client_for: Any, store: Any) -> None:
    review = make_review(store, "<script>alert(1)</script> terrible", sentiment="negative", rating=5)
    AspectMention.objects.create(
        store=store,
        review=review,
        aspect="quality",
        start=0,
        end=5,
        sentence="<b>bad</b>",
        sentiment="negative",
        confidence=0.7,
    )
    client = client_for()
    for path in ["", f"{review.pk}/", "insights/", "alerts/", "replies/", "settings/", "imports/"]:
        page = client.get(f"/s/{store.pk}/reviews/{path}")
        html = page.content.decode()
        assert page.status_code == 200, path
        assert f'href="/s/{store.pk}/reviews/"' in html
        assert "<script>alert(1)</script>" not in html and "<b>bad</b>" not in html


def test_insights_page_carries_the_chart_data_and_loads_the_vendored_library(
    client_for: Any, store: Any
) -> None:
    for days, sentiment in [(1, "negative"), (1, "positive"), (2, "positive")]:
        make_review(
            store,
            f"r {days} {sentiment}",
            sentiment=sentiment,
            reviewed_at=timezone.now() - timedelta(days=days),
        )
    html = client_for().get(f"/s/{store.pk}/reviews/insights/").content.decode()
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js" defer>' in html
    assert '<script src="/static/js/charts.js" defer>' in html
    raw = re.search(r'data-chart="([^"]+)"', html)
    assert raw is not None
    chart = json.loads(raw.group(1).replace("&quot;", '"'))
    assert len(chart["labels"]) == 2
    assert [sum(series["data"]) for series in chart["series"]] == [2, 0, 1]


def test_settings_aspects_and_reply_approval_through_the_pages(
    client_for: Any, store: Any, fake_inference: Any
) -> None:
    owner = client_for()
    response = owner.post(
        f"/s/{store.pk}/reviews/settings/",
        {
            "form": "settings",
            "policy_text": "Returns within 30 days.",
            "webhook_url": "https://hooks.example.com/a",
            "spike_window_days": 7,
            "spike_baseline_days": 28,
            "spike_min_reviews": 20,
            "spike_alpha": 0.01,
        },
    )
    assert response.status_code == 302
    settings = ReviewSettings.objects.get(store=store)
    assert settings.policy_text == "Returns within 30 days." and len(settings.webhook_secret) >= 32
    response = owner.post(
        f"/s/{store.pk}/reviews/settings/",
        {"form": "aspect", "name": "battery", "examples": "battery lasts\n电池耐用\n"},
    )
    assert response.status_code == 302
    assert CustomAspect.objects.get(store=store).examples == ["battery lasts", "电池耐用"]

    review = make_review(store, "Arrived late", sentiment="negative", rating=2)
    fake_inference.writer = lambda prompt, index: " Sorry for the wait; we will send a free gift card."
    owner.post(f"/s/{store.pk}/reviews/{review.pk}/reply/")
    reply = ReplyDraft.objects.get(review=review)
    assert reply.flags and reply.flags[0]["code"] == "promise_not_in_policy"
    page = owner.post(f"/s/{store.pk}/reviews/replies/{reply.pk}/", {"action": "approved"}, follow=True)
    assert "Edit the reply first" in page.content.decode()
    owner.post(
        f"/s/{store.pk}/reviews/replies/{reply.pk}/", {"action": "save", "text": "Sorry for the wait."}
    )
    owner.post(f"/s/{store.pk}/reviews/replies/{reply.pk}/", {"action": "approved"})
    reply.refresh_from_db()
    assert (reply.status, reply.text) == ("approved", "Sorry for the wait.")

    viewer = client_for(Role.VIEWER)
    assert viewer.post(f"/s/{store.pk}/reviews/{review.pk}/reply/").status_code == 403
    operator = client_for(Role.OPERATOR)
    assert (
        operator.post(
            f"/s/{store.pk}/reviews/settings/", {"form": "settings", "policy_text": "x"}
        ).status_code
        == 403
    )


def test_another_stores_ids_answer_404_on_pages(client_for: Any, store: Any, other_store: Any) -> None:
    foreign = make_review(other_store, "not yours")
    reply = ReplyDraft.objects.create(store=other_store, review=foreign, language="en", text="hi")
    aspect = CustomAspect.objects.create(store=other_store, name="secret", examples=["x"])
    now = timezone.now()
    alert = SpikeAlert.objects.create(
        store=other_store,
        scope="product",
        key="X",
        window_start=now,
        window_end=now,
        window_negative=1,
        window_total=1,
        baseline_negative=0,
        baseline_total=1,
        z_score=1,
        p_value=0.1,
    )
    client = client_for()
    mine = f"/s/{store.pk}/reviews"
    assert client.get(f"{mine}/{foreign.pk}/").status_code == 404
    assert client.post(f"{mine}/{foreign.pk}/reply/").status_code == 404
    assert client.post(f"{mine}/replies/{reply.pk}/", {"action": "approved"}).status_code == 404
    assert client.post(f"{mine}/aspects/{aspect.pk}/delete/").status_code == 404
    assert client.post(f"{mine}/alerts/{alert.pk}/acknowledge/").status_code == 404
    assert client.get(f"/s/{other_store.pk}/reviews/insights/").status_code == 404
    reply.refresh_from_db()
    assert reply.status == "draft" and CustomAspect.objects.filter(pk=aspect.pk).exists()


def test_pages_in_chinese(client_for: Any, store: Any) -> None:
    client = client_for()
    insights = client.get(f"/s/{store.pk}/reviews/insights/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "情感趋势" in insights and "抱怨最多" in insights
    alerts = client.get(f"/s/{store.pk}/reviews/alerts/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "双比例 z 检验" in alerts
    imports = client.get(f"/s/{store.pk}/reviews/imports/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "上传评价" in imports


def test_the_store_overview_shows_open_spike_alerts(client_for: Any, store: Any) -> None:
    now = timezone.now()
    SpikeAlert.objects.create(
        store=store,
        scope="product",
        key="JACKET-1",
        window_start=now,
        window_end=now,
        window_negative=12,
        window_total=20,
        baseline_negative=3,
        baseline_total=60,
        z_score=5.1,
        p_value=1e-7,
    )
    html = client_for().get(f"/s/{store.pk}/").content.decode()
    assert "JACKET-1: 12/20" in html and f'href="/s/{store.pk}/reviews/alerts/"' in html
