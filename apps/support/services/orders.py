"""Order writes (API, dashboard, import) and the shopper's verified order lookup.

The lookup answers the same way whether the number is unknown or the proof does not match, so a
shopper learns nothing about an order they cannot prove is theirs, not even that it exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError, ConflictError

from ..knowledge import verify_order_proof
from ..knowledge.orders import normalise_order_number as order_number_key
from ..models import Conversation, Order, OrderItem
from ..ordering import clean_order_fields

ORDER_FIELDS = (
    "number",
    "customer_name",
    "customer_email",
    "customer_phone",
    "status",
    "currency",
    "total_amount",
    "shipping_amount",
    "carrier",
    "tracking_number",
    "placed_at",
    "shipped_at",
    "delivered_at",
)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - {*ORDER_FIELDS, "items"}
    if unknown:
        raise ApplicationError(f"Unknown order fields: {', '.join(sorted(unknown))}.")
    try:
        cleaned = clean_order_fields(fields)
    except ValueError as error:
        raise ApplicationError(str(error), code="invalid_order") from None
    if "number" in cleaned:
        cleaned["number_key"] = order_number_key(cleaned["number"])
    return cleaned


def _replace_items(order: Order, items: Sequence[dict[str, Any]]) -> None:
    order.items.all().delete()
    OrderItem.objects.bulk_create(
        [
            OrderItem(
                order=order,
                sku=str(item.get("sku") or "")[:64],
                title=str(item["title"])[:300],
                quantity=int(item.get("quantity") or 1),
                unit_price=Decimal(str(item["unit_price"])) if item.get("unit_price") is not None else None,
            )
            for item in items
        ]
    )


@transaction.atomic
def order_create(*, store: Store, actor: Actor, number: str, **fields: Any) -> Order:
    cleaned = _clean({**fields, "number": number})
    items = cleaned.pop("items", [])
    if not cleaned.get("currency") and cleaned.get("total_amount") is not None:
        cleaned["currency"] = store.currency
    try:
        with transaction.atomic():
            order = Order.objects.create(store=store, **cleaned)
    except IntegrityError:
        raise ConflictError(f"Order {cleaned['number']!r} already exists.", code="duplicate_order") from None
    _replace_items(order, items)
    audit_record(actor=actor, action="support.order_created", store=store, target=order)
    return order


@transaction.atomic
def order_update(*, order: Order, actor: Actor, **fields: Any) -> Order:
    cleaned = _clean(fields)
    items = cleaned.pop("items", None)
    changed = [name for name, value in cleaned.items() if getattr(order, name) != value]
    for name in changed:
        setattr(order, name, cleaned[name])
    if changed:
        try:
            with transaction.atomic():
                order.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            raise ConflictError(f"Order {order.number!r} already exists.", code="duplicate_order") from None
    if items is not None:
        _replace_items(order, items)
        changed.append("items")
    if changed:
        audit_record(
            actor=actor,
            action="support.order_updated",
            store=order.store,
            target=order,
            metadata={"fields": changed},
        )
    return order


@transaction.atomic
def order_delete(*, order: Order, actor: Actor) -> None:
    audit_record(
        actor=actor,
        action="support.order_deleted",
        store=order.store,
        target=order,
        metadata={"number": order.number},
    )
    order.delete()


def orders_upsert(*, store: Store, rows: list[dict[str, Any]], fields: Sequence[str]) -> tuple[int, int]:
    """Insert or update orders by number (an import block); returns (created, updated).

    Only ``fields`` are written on orders that exist; items are replaced where the file has an items column.
    """
    if not rows:
        return 0, 0
    numbers = [row["number"] for row in rows]
    existing = set(Order.objects.filter(store=store, number__in=numbers).values_list("number", flat=True))
    update_fields = [*sorted((set(fields) & set(ORDER_FIELDS)) - {"number"}), "number_key", "updated_at"]
    records = []
    for row in rows:
        values = {name: row[name] for name in ORDER_FIELDS if name in row}
        values["number_key"] = order_number_key(row["number"])
        for name in ("placed_at", "shipped_at", "delivered_at"):
            if values.get(name):
                values[name] = parse_datetime(values[name])
        for name in ("total_amount", "shipping_amount"):
            if values.get(name) is not None:
                values[name] = Decimal(values[name])
        records.append(Order(store=store, **values))
    Order.objects.bulk_create(
        records, update_conflicts=True, unique_fields=["store", "number"], update_fields=update_fields
    )
    if "items" in fields:
        orders = {order.number: order for order in Order.objects.filter(store=store, number__in=numbers)}
        OrderItem.objects.filter(order__in=orders.values()).delete()
        for row in rows:
            _replace_items(orders[row["number"]], row.get("items") or [])
    return len(rows) - len(existing), len(existing)


# --- the shopper's lookup ------------------------------------------------------------------

LookupOutcome = Literal["verified", "not_verified", "rate_limited"]


@dataclass(frozen=True)
class OrderLookup:
    outcome: LookupOutcome
    order: Order | None = None


def _attempts_allowed(key: str, limit: int) -> bool:
    """Count one attempt against ``key``; False once more than ``limit`` were made in the window."""
    window = int(settings.SUPPORT_ORDER_LOOKUP_WINDOW_SECONDS)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def order_lookup(
    *, conversation: Conversation, number: str, proof: str, ip_address: str | None
) -> OrderLookup:
    """The order if ``number`` is this store's and ``proof`` (an e-mail or phone) is its customer's.

    Attempts are counted per conversation and per address before anything is looked up; an unknown
    number and a wrong proof answer alike.
    """
    per_conversation = f"support:order-lookup:conversation:{conversation.pk}"
    per_address = f"support:order-lookup:ip:{ip_address or 'unknown'}"
    allowed = _attempts_allowed(per_conversation, settings.SUPPORT_ORDER_LOOKUPS_PER_CONVERSATION)
    allowed = _attempts_allowed(per_address, settings.SUPPORT_ORDER_LOOKUPS_PER_IP) and allowed
    if not allowed:
        return OrderLookup(outcome="rate_limited")
    order = Order.objects.filter(store_id=conversation.store_id, number_key=order_number_key(number)).first()
    # Compared against a stand-in when there is no such order, so both answers take the same work.
    candidate = order or _NO_ORDER
    if not verify_order_proof(candidate, number, proof) or order is None:
        return OrderLookup(outcome="not_verified")
    Conversation.objects.filter(pk=conversation.pk).update(verified_order=order)
    conversation.verified_order = order
    return OrderLookup(outcome="verified", order=order)


@dataclass
class _StandIn:
    number: str = "\x00"
    customer_email: str = "nobody@invalid.invalid"
    customer_phone: str = "0000000"


_NO_ORDER = _StandIn()
