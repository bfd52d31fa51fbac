"""Helpers for support tests: a small bilingual knowledge base, indexed here as a worker would."""

from __future__ import annotations

from typing import Any

from apps.accounts.actor import Actor
from apps.jobs.models import Job
from apps.jobs.services import job_process_chunk
from apps.support.models import KnowledgeDocument
from apps.support.services import knowledge, orders

RETURNS_POLICY = """# Returns policy

## Returns window
You can return any unworn item within 30 days of delivery for a full refund.
Items must be in their original packaging with the tags attached.

## Refunds
Refunds are paid to the original payment method within 5 business days after we receive the return.

## Return shipping
Return shipping is free for customers in mainland China. International customers pay the return postage.
"""

FAQ = [
    (
        "How long does shipping take?",
        "Standard shipping takes 3 to 5 business days. Express shipping takes 1 to 2 business days.",
    ),
    (
        "Do you ship internationally?",
        "Yes, we ship to over 40 countries. International delivery takes 7 to 14 business days.",
    ),
    ("退货需要多长时间处理？", "我们收到退货后，会在5个工作日内将退款退回原支付方式。"),
    ("可以开发票吗？", "可以，下单时在备注中填写发票抬头和税号，我们会随货寄出纸质发票。"),
]


def run_job(job: Job | int, *, max_rounds: int = 200) -> Job:
    job_id = job if isinstance(job, int) else job.pk
    for _ in range(max_rounds):
        current = Job.objects.get(pk=job_id)
        if not current.is_active:
            return current
        job_process_chunk(job_id=job_id)
    raise AssertionError("the job did not finish")


def run_all_jobs() -> None:
    for job in Job.objects.filter(kind=knowledge.REINDEX_JOB_KIND).order_by("pk"):
        run_job(job)


def build_knowledge_base(store: Any) -> KnowledgeDocument:
    """The returns policy (Markdown) and four FAQ entries (two English, two Chinese), indexed."""
    actor = Actor.system()
    document = knowledge.document_create(
        store=store, actor=actor, data=RETURNS_POLICY.encode(), filename="returns.md", title="Returns policy"
    )
    knowledge.faq_import(store=store, actor=actor, entries=FAQ)
    run_all_jobs()
    document.refresh_from_db()
    return document


def make_order(store: Any, number: str = "EC-1001", **fields: Any) -> Any:
    fields.setdefault("customer_email", "ana@example.com")
    fields.setdefault("customer_phone", "+86 138 0013 8000")
    fields.setdefault("status", "shipped")
    fields.setdefault("carrier", "SF Express")
    fields.setdefault("tracking_number", "SF1234567890")
    fields.setdefault("items", [{"title": "Linen shirt", "quantity": 2, "unit_price": "49.00"}])
    return orders.order_create(store=store, actor=Actor.system(), number=number, **fields)
