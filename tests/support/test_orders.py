"""Orders: the API, the import (the generic imports machinery), and the verified lookup's rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from apps.accounts.actor import Actor
from apps.imports import services as import_services
from apps.imports.models import ImportRowError
from apps.support.models import Order
from apps.support.services import inbox, orders

from .helpers import make_order, run_job

pytestmark = pytest.mark.django_db


def base(store: Any) -> str:
    return f"/api/v1/stores/{store.pk}/support/orders"


def test_create_read_update_delete_through_the_api(store: Any, api_client: APIClient) -> None:
    created = api_client.post(
        base(store) + "/",
        {
            "number": "#A-100",
            "customer_email": " Ana@Example.COM ",
            "customer_phone": "+1 (555) 010-2030",
            "status": "paid",
            "total_amount": "98.00",
            "items": [{"sku": "LS-1", "title": "Linen shirt", "quantity": 2, "unit_price": "49.00"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["number"], body["customer_email"], body["customer_phone"]) == (
        "A-100",
        "ana@example.com",
        "+15550102030",
    )
    assert body["currency"] == store.currency
    assert body["items"] == [{"sku": "LS-1", "title": "Linen shirt", "quantity": 2, "unit_price": "49.00"}]
    duplicate = api_client.post(base(store) + "/", {"number": "A-100"}, format="json")
    assert duplicate.status_code == 409
    url = f"{base(store)}/{body['id']}/"
    patched = api_client.patch(
        url, {"status": "shipped", "carrier": "UPS", "tracking_number": "1Z999"}, format="json"
    )
    assert (patched.json()["status"], patched.json()["carrier"]) == ("shipped", "UPS")
    assert api_client.get(base(store) + "/", {"search": "ana@"}).json()["count"] == 1
    assert api_client.delete(url).status_code == 204
    assert not Order.objects.filter(store=store).exists()


def test_bad_orders_are_refused_with_the_reason(store: Any, api_client: APIClient) -> None:
    bad_email = api_client.post(
        base(store) + "/", {"number": "A-1", "customer_email": "not-an-email"}, format="json"
    )
    assert bad_email.status_code == 400 and "e-mail" in bad_email.json()["error"]["message"]
    spaces = api_client.post(base(store) + "/", {"number": "A 1"}, format="json")
    assert spaces.status_code == 400
    negative = api_client.post(base(store) + "/", {"number": "A-2", "total_amount": "-1"}, format="json")
    assert negative.status_code == 400


def test_another_stores_orders_answer_404(store: Any, other_store: Any, api_client: APIClient) -> None:
    foreign = make_order(other_store, "Z-1")
    assert api_client.get(f"{base(store)}/{foreign.pk}/").status_code == 404
    assert (
        api_client.patch(f"{base(store)}/{foreign.pk}/", {"status": "cancelled"}, format="json").status_code
        == 404
    )
    assert api_client.delete(f"{base(store)}/{foreign.pk}/").status_code == 404
    assert api_client.get(f"{base(other_store)}/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "shipped"


def test_orders_import_from_a_chinese_csv_with_per_row_errors(
    store: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    text = (
        "订单号,收货人,邮箱,手机号,订单状态,实付,快递公司,运单号,下单时间,商品\n"
        "EC-1,王芳,wang@example.com,138 0013 8000,已发货,¥128.00,顺丰,SF001,2026-03-01,连衣裙 x1 @ 128\n"
        "EC-2,李雷,not-an-email,,待发货,59,,,2026-03-02,T恤 x2\n"
        "EC-3,Bob,bob@example.com,,delivered,=1+1,UPS,1Z,2026/03/03 10:00,Socks\n"
        "EC-4,Ann,ann@example.com,,lost,10,,,,\n"
    )
    actor = Actor.system()
    data_import = import_services.import_create(
        store=store,
        target="support.orders",
        upload=SimpleUploadedFile("orders.csv", text.encode("gb18030")),
        actor=actor,
    )
    data_import = import_services.import_start(data_import=data_import, actor=actor)
    assert data_import.job is not None
    run_job(data_import.job)
    data_import.refresh_from_db()
    assert data_import.created_count == 1
    order = Order.objects.get(store=store, number="EC-1")
    assert (order.customer_name, order.customer_phone, order.status, order.carrier) == (
        "王芳",
        "13800138000",
        "shipped",
        "顺丰",
    )
    assert order.total_amount == Decimal("128.00") and order.placed_at is not None
    assert [(item.title, item.quantity) for item in order.items.all()] == [("连衣裙", 1)]
    errors = {
        error.row_number: error.reason for error in ImportRowError.objects.filter(data_import=data_import)
    }
    assert set(errors) == {3, 4, 5}
    assert "e-mail" in errors[3] and "amount" in errors[4] and "status" in errors[5]


def test_reimporting_updates_orders_by_number(store: Any) -> None:
    make_order(store, "EC-1", status="paid")
    created, updated = orders.orders_upsert(
        store=store,
        rows=[{"number": "EC-1", "status": "delivered"}, {"number": "EC-2", "status": "paid"}],
        fields=["number", "status"],
    )
    assert (created, updated) == (1, 1)
    first = Order.objects.get(store=store, number="EC-1")
    assert first.status == "delivered" and first.carrier == "SF Express" and first.number_key == "EC1"


@pytest.mark.parametrize(
    ("number", "proof", "outcome"),
    [
        ("EC-1001", "ana@example.com", "verified"),
        ("#ec1001", " ANA@example.com ", "verified"),
        ("EC-1001", "+86 138-0013-8000", "verified"),
        ("EC-1001", "13800138000", "verified"),
        ("EC-1001", "bo@example.com", "not_verified"),
        ("EC-1001", "13900000000", "not_verified"),
        ("EC-1001", "8000", "not_verified"),
        ("EC-1002", "ana@example.com", "not_verified"),
        ("EC-1001", "", "not_verified"),
        ("", "ana@example.com", "not_verified"),
    ],
)
def test_order_lookup_cases(store: Any, number: str, proof: str, outcome: str) -> None:
    make_order(store, "EC-1001")
    conversation = inbox.conversation_start(store=store)
    result = orders.order_lookup(conversation=conversation, number=number, proof=proof, ip_address="10.0.0.1")
    assert result.outcome == outcome
    assert (result.order is not None) == (outcome == "verified")
    conversation.refresh_from_db()
    assert (conversation.verified_order_id is not None) == (outcome == "verified")


def test_an_order_of_another_store_is_never_found(store: Any, other_store: Any) -> None:
    make_order(other_store, "EC-1001")
    conversation = inbox.conversation_start(store=store)
    result = orders.order_lookup(
        conversation=conversation, number="EC-1001", proof="ana@example.com", ip_address=None
    )
    assert result.outcome == "not_verified" and result.order is None


def test_lookups_past_the_limit_are_refused_even_with_the_right_proof(store: Any, settings: Any) -> None:
    settings.SUPPORT_ORDER_LOOKUPS_PER_CONVERSATION = 2
    make_order(store, "EC-1001")
    conversation = inbox.conversation_start(store=store)
    for _ in range(2):
        orders.order_lookup(
            conversation=conversation, number="EC-1", proof="x@example.com", ip_address="10.0.0.2"
        )
    result = orders.order_lookup(
        conversation=conversation, number="EC-1001", proof="ana@example.com", ip_address="10.0.0.2"
    )
    assert result.outcome == "rate_limited" and result.order is None
    other_conversation = inbox.conversation_start(store=store)
    fresh = orders.order_lookup(
        conversation=other_conversation, number="EC-1001", proof="ana@example.com", ip_address="10.0.0.3"
    )
    assert fresh.outcome == "verified"
