"""What the assistant says when it does not answer from the knowledge base, in the shopper's language.

These are notices (a handoff, a request for an order's proof, an order's status), never answers to a
question: answers come only from the store's own chunks (apps/support/knowledge/answers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NOTICES = {
    "handoff": {
        "en": "I'm passing this to a member of our team; a person will reply here as soon as possible.",
        "zh": "我已将您的问题转给我们的客服人员，工作人员会尽快在这里回复您。",
    },
    "handoff_no_source": {
        "en": "I couldn't find this in our store's information, so I've asked a member of our team to "
        "reply here.",
        "zh": "我在本店资料中没有找到相关内容，已请客服人员在这里回复您。",
    },
    "waiting": {
        "en": "A member of our team has your conversation and will reply here.",
        "zh": "客服人员已接手您的对话，会在这里回复您。",
    },
    "ask_order_proof": {
        "en": "I can look up your order: please send the order number together with the e-mail address "
        "or phone number used for the order.",
        "zh": "我可以帮您查询订单：请提供订单号，以及下单时使用的邮箱或手机号。",
    },
    "order_not_verified": {
        "en": "I couldn't find an order matching that number and contact detail. Please check both and "
        "try again.",
        "zh": "没有找到与该订单号和联系方式相符的订单，请核对后重试。",
    },
    "order_rate_limited": {
        "en": "Too many order look-ups from this conversation. A member of our team will help you here.",
        "zh": "本对话的订单查询次数过多，客服人员会在这里协助您。",
    },
}

STATUS_WORDS = {
    "pending": ("awaiting payment", "待付款"),
    "paid": ("paid, being prepared", "已付款，备货中"),
    "processing": ("being prepared", "备货中"),
    "shipped": ("shipped", "已发货"),
    "delivered": ("delivered", "已签收"),
    "cancelled": ("cancelled", "已取消"),
    "returned": ("returned", "已退货"),
    "refunded": ("refunded", "已退款"),
}


def notice(name: str, language: str) -> str:
    texts = NOTICES[name]
    return texts.get(language) or texts["en"]


@dataclass(frozen=True)
class OrderFacts:
    number: str
    status: str
    carrier: str
    tracking_number: str
    placed_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    items: list[tuple[int, str]]
    total: str
    currency: str


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


def order_summary(facts: OrderFacts, language: str) -> str:
    """The order's status, shipment and items, from its record (nothing else is said about it)."""
    english, chinese = STATUS_WORDS.get(facts.status, (facts.status, facts.status))
    items = ", ".join(f"{quantity} × {title}" for quantity, title in facts.items[:10])
    if language == "zh":
        parts = [f"订单 {facts.number}：{chinese}。"]
        if facts.placed_at:
            parts.append(f"下单日期：{_day(facts.placed_at)}。")
        if facts.shipped_at or facts.carrier or facts.tracking_number:
            shipped = f"{_day(facts.shipped_at)} " if facts.shipped_at else ""
            parts.append(f"发货：{shipped}{facts.carrier} {facts.tracking_number}".rstrip() + "。")
        if facts.delivered_at:
            parts.append(f"签收日期：{_day(facts.delivered_at)}。")
        if items:
            parts.append(f"商品：{items}。")
        if facts.total:
            parts.append(f"金额：{facts.total} {facts.currency}。")
        return "".join(parts)
    parts = [f"Order {facts.number} is {english}."]
    if facts.placed_at:
        parts.append(f"Placed on {_day(facts.placed_at)}.")
    if facts.shipped_at or facts.carrier or facts.tracking_number:
        via = f" with {facts.carrier}" if facts.carrier else ""
        on = f" on {_day(facts.shipped_at)}" if facts.shipped_at else ""
        tracking = f", tracking number {facts.tracking_number}" if facts.tracking_number else ""
        parts.append(f"Shipped{on}{via}{tracking}.")
    if facts.delivered_at:
        parts.append(f"Delivered on {_day(facts.delivered_at)}.")
    if items:
        parts.append(f"Items: {items}.")
    if facts.total:
        parts.append(f"Total: {facts.total} {facts.currency}.")
    return " ".join(parts)
