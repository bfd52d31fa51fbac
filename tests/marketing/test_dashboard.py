"""Marketing dashboard pages, used as a merchant would, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.accounts.actor import Actor
from apps.accounts.models import Role
from apps.marketing.models import ABTest, Campaign, CopyRequest, Variant
from apps.marketing.services import campaigns
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(store: Any) -> Any:
    def make(role: str = Role.OWNER, language: str = "en") -> Client:
        user = UserFactory()
        MembershipFactory(user=user, store=store, role=role)
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        return client

    return make


def test_the_module_is_in_the_store_navigation(client_for: Any, store: Any) -> None:
    html = client_for().get(f"/s/{store.pk}/").content.decode()
    assert f'href="/s/{store.pk}/marketing/"' in html


def test_campaign_flow_in_the_dashboard(client_for: Any, store: Any, tee: Any, copy_fake: Any) -> None:
    client = client_for()
    created = client.post(f"/s/{store.pk}/marketing/", {"name": "<b>Double 12</b>"})
    campaign = Campaign.objects.get(store=store)
    assert (
        created.status_code == 302
        and created["Location"] == f"/s/{store.pk}/marketing/campaigns/{campaign.pk}/"
    )
    url = f"/s/{store.pk}/marketing/campaigns/{campaign.pk}/"
    asked = client.post(
        f"{url}requests/",
        {
            "channel": "sms",
            "language": "zh",
            "goal": "sales",
            "products": [tee.pk],
            "discount_percent": "30",
            "starts": "2026-12-01",
            "ends": "2026-12-12",
            "code": "XMAS30",
            "variant_count": "5",
        },
    )
    assert asked.status_code == 302
    variants = list(Variant.objects.filter(request__campaign=campaign))
    assert len(variants) == 5
    page = client.get(url).content.decode()
    assert "&lt;b&gt;Double 12&lt;/b&gt;" in page and "<b>Double 12</b>" not in page
    assert "回T退订" in page and "UCS-2" in page
    assert "广告法" in page  # the source of the absolute-claims list is shown

    first, second = variants[0], variants[1]
    client.post(f"/s/{store.pk}/marketing/variants/{first.pk}/", {"action": "approve", "text": first.text})
    client.post(f"/s/{store.pk}/marketing/variants/{second.pk}/", {"action": "save", "text": "全网最低价！"})
    second.refresh_from_db()
    assert second.edited and second.blocking and second.status == "draft"
    refused = client.post(
        f"/s/{store.pk}/marketing/variants/{second.pk}/", {"action": "approve"}, follow=True
    )
    assert "blocking rule" in refused.content.decode()
    assert Variant.objects.get(pk=second.pk).status == "draft"
    assert Variant.objects.get(pk=first.pk).status == "approved"

    client.post(f"{url}ab-tests/", {"variant_a": first.pk, "variant_b": variants[2].pk, "metric": "click"})
    test = ABTest.objects.get(campaign=campaign)
    for variant, clicks in ((first, 30), (variants[2], 70)):
        client.post(
            f"/s/{store.pk}/marketing/variants/{variant.pk}/results/",
            {"impressions": 1000, "clicks": clicks, "conversions": 5},
        )
    page = client.get(url).content.decode()
    assert f"Variant B (#{variants[2].pk}) wins" in page and 'class="chart-canvas ab-chart"' in page
    assert "/static/vendor/chartjs/chart.umd.min.js" in page and test.metric == "click"

    exported = client.get(f"{url}export/")
    lines = b"".join(exported.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith(str(first.pk))


def test_pages_in_chinese(client_for: Any, store: Any, campaign: Any, tee: Any, copy_fake: Any) -> None:
    client = client_for(language="zh-hans")
    home = client.get(f"/s/{store.pk}/marketing/").content.decode()
    assert "营销文案" in home and "新建活动" in home
    url = f"/s/{store.pk}/marketing/campaigns/{campaign.pk}/"
    client.post(
        f"{url}requests/",
        {"channel": "sms", "language": "zh", "goal": "sales", "products": [tee.pk], "variant_count": "1"},
    )
    variant = Variant.objects.get(request__campaign=campaign)
    variant_url = f"/s/{store.pk}/marketing/variants/{variant.pk}/"
    client.post(variant_url, {"action": "save", "text": "全网第一的T恤"})
    page = client.get(url).content.decode()
    assert "生成文案" in page and "短信" in page
    # a violation says what is wrong in the reader's language, with the offending words
    assert "“全网第一”是《中华人民共和国广告法》第九条" in page
    refused = client.post(variant_url, {"action": "approve"}, follow=True)
    assert "这条文案违反了必须遵守的规则" in refused.content.decode()
    assert "营销规则" in client.get(f"/s/{store.pk}/marketing/settings/").content.decode()


def test_settings_page_for_the_owner_only(client_for: Any, store: Any) -> None:
    owner = client_for()
    owner.post(
        f"/s/{store.pk}/marketing/settings/",
        {
            "banned_words": "cheap\n便宜\n",
            "sms_opt_out_en": "Text STOP",
            "sms_opt_out_zh": "拒收请回复R",
            "sms_sender": "北原",
        },
    )
    rules = store.marketing_settings
    assert (rules.banned_words, rules.sms_opt_out_zh, rules.sms_sender) == (
        ["cheap", "便宜"],
        "拒收请回复R",
        "北原",
    )
    operator = client_for(Role.OPERATOR)
    assert operator.post(f"/s/{store.pk}/marketing/settings/", {"banned_words": ""}).status_code == 403


def test_viewers_read_but_do_not_write(client_for: Any, store: Any, campaign: Any) -> None:
    viewer = client_for(Role.VIEWER)
    assert viewer.get(f"/s/{store.pk}/marketing/campaigns/{campaign.pk}/").status_code == 200
    assert viewer.post(f"/s/{store.pk}/marketing/", {"name": "x"}).status_code == 403
    assert viewer.post(f"/s/{store.pk}/marketing/campaigns/{campaign.pk}/requests/", {}).status_code == 403


def test_another_stores_pages_answer_404(client_for: Any, store: Any, other_store: Any) -> None:
    client = client_for()
    theirs = campaigns.campaign_create(store=other_store, actor=Actor.system(), name="Theirs")
    request = CopyRequest.objects.create(store=other_store, campaign=theirs, channel="sms", language="zh")
    variant = Variant.objects.create(store=other_store, request=request, text="x")
    for url in (
        f"/s/{other_store.pk}/marketing/",
        f"/s/{store.pk}/marketing/campaigns/{theirs.pk}/",
        f"/s/{store.pk}/marketing/campaigns/{theirs.pk}/export/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/s/{store.pk}/marketing/variants/{variant.pk}/", {"action": "approve"}).status_code
        == 404
    )
    assert (
        client.post(f"/s/{store.pk}/marketing/variants/{variant.pk}/results/", {"impressions": 1}).status_code
        == 404
    )
    assert Variant.objects.get(pk=variant.pk).status == "draft"
