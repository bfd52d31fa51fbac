"""Reply drafts: generated in the review's language, checked against the store's policy, approved by a person.

Only approved replies leave the store (the export, the API's ``approved_reply``). A draft whose
checks found a promise, a deadline or a contact the policy does not state cannot be approved
until a person edits it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps import inference
from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError
from apps.core.text import clean_text

from .. import analysis, conf
from ..models import AspectMention, ReplyDraft, ReplyStatus, Review, ReviewSettings
from ..text.replies import STOP, ReplyContext, clean_reply, reply_flags, reply_prompt, reply_shared_prefix
from .aspects import aspect_definitions

CANDIDATES = 3
MAX_NEW_TOKENS = 96
REPLY_MAX_CHARS = 2000
BLOCKING_FLAGS = frozenset(
    {"promise_not_in_policy", "deadline_not_in_policy", "contact_not_in_policy", "empty"}
)


def _context(review: Review) -> ReplyContext:
    policy = (
        ReviewSettings.objects.filter(store_id=review.store_id).values_list("policy_text", flat=True).first()
    )
    aspects = tuple(AspectMention.objects.filter(review=review).values_list("aspect", flat=True).distinct())
    return ReplyContext(
        text=f"{review.title}. {review.text}" if review.title else review.text,
        language=review.language,
        rating=review.rating,
        policy=policy or "",
        aspects=aspects,
    )


def _flags(text: str, context: ReplyContext, store: Store) -> list[dict[str, str]]:
    """The policy checks, and whether the reply speaks to what the review is about (its aspects)."""
    flags = reply_flags(text, context)
    if context.aspects and text.strip():
        definitions = [a for a in aspect_definitions(store=store) if a.name in context.aspects]
        if definitions and not any(analysis.keyword_hit(definition, text) for definition in definitions):
            flags.append({"code": "not_specific", "detail": ", ".join(sorted(context.aspects))})
    return flags


def reply_draft_generate(*, review: Review, actor: Actor) -> ReplyDraft:
    """Generate candidates, keep the one with the fewest flags (then the longest), save it as a draft."""
    context = _context(review)
    prompt = reply_prompt(context)
    request = inference.GenerationRequest(
        prompt=prompt,
        shared_prefix=reply_shared_prefix(prompt),
        max_new_tokens=MAX_NEW_TOKENS,
        temperature=0.7,
        top_p=0.9,
        stop=STOP,
        n=CANDIDATES,
        seed=review.pk,
    )
    generation = inference.generate([request], model=conf.reply_model(), store=review.store)[0]
    candidates = []
    for choice in generation.choices:
        text = clean_reply(choice.text)[:REPLY_MAX_CHARS]
        flags = _flags(text, context, review.store)
        blocking = sum(1 for flag in flags if flag["code"] in BLOCKING_FLAGS)
        candidates.append((blocking, len(flags), -len(text), text, flags))
    _blocking, _count, _length, text, flags = min(candidates, key=lambda c: c[:3])
    with transaction.atomic():
        reply = ReplyDraft.objects.create(
            store=review.store,
            review=review,
            language=review.language,
            text=text,
            flags=flags,
            model_key=generation.model,
            created_by=actor.user_or_none,
        )
        audit_record(actor=actor, action="reviews.reply_drafted", store=review.store, target=reply)
    return reply


@transaction.atomic
def reply_edit(*, reply: ReplyDraft, actor: Actor, text: str) -> ReplyDraft:
    """A person's text replaces the draft's; it is checked again and needs approval again."""
    cleaned = clean_text(text)
    if not cleaned or len(cleaned) > REPLY_MAX_CHARS:
        raise ApplicationError(f"A reply is 1 to {REPLY_MAX_CHARS} characters.", code="invalid_reply")
    reply.text = cleaned
    reply.flags = _flags(cleaned, _context(reply.review), reply.store)
    reply.status = ReplyStatus.DRAFT
    reply.reviewed_by, reply.reviewed_at = None, None
    reply.save()
    audit_record(actor=actor, action="reviews.reply_edited", store=reply.store, target=reply)
    return reply


@transaction.atomic
def reply_review(*, reply: ReplyDraft, actor: Actor, decision: str) -> ReplyDraft:
    """Approve or reject a draft. A draft with a blocking flag must be edited before it is approved."""
    if decision not in (ReplyStatus.APPROVED, ReplyStatus.REJECTED):
        raise ApplicationError("Approve or reject.", code="invalid_decision")
    if decision == ReplyStatus.APPROVED:
        blocking = [flag for flag in reply.flags if flag.get("code") in BLOCKING_FLAGS]
        if blocking:
            details = ", ".join(f"{flag['code']}: {flag['detail']}" for flag in blocking)
            raise ApplicationError(
                f"Edit the reply first; it says what the store's policy does not ({details}).",
                code="reply_flagged",
            )
        # One approved reply per review: approving this one retires the others.
        ReplyDraft.objects.filter(review=reply.review, status=ReplyStatus.APPROVED).exclude(
            pk=reply.pk
        ).update(status=ReplyStatus.REJECTED)
    reply.status = decision
    reply.reviewed_by = actor.user_or_none
    reply.reviewed_at = timezone.now()
    reply.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(actor=actor, action=f"reviews.reply_{decision}", store=reply.store, target=reply)
    return reply


@transaction.atomic
def review_settings_update(
    *,
    store: Store,
    actor: Actor,
    policy_text: str | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    spike_window_days: int | None = None,
    spike_baseline_days: int | None = None,
    spike_min_reviews: int | None = None,
    spike_alpha: float | None = None,
) -> ReviewSettings:
    settings, _created = ReviewSettings.objects.select_for_update().get_or_create(store=store)
    values = {
        "policy_text": clean_text(policy_text) if policy_text is not None else None,
        "webhook_url": webhook_url,
        "webhook_secret": webhook_secret,
        "spike_window_days": spike_window_days,
        "spike_baseline_days": spike_baseline_days,
        "spike_min_reviews": spike_min_reviews,
        "spike_alpha": spike_alpha,
    }
    if webhook_url and not webhook_url.lower().startswith(("https://", "http://")):
        raise ApplicationError("Webhook URLs are http:// or https:// addresses.", code="invalid_settings")
    if spike_alpha is not None and not 0 < spike_alpha < 0.5:
        raise ApplicationError("The significance level is between 0 and 0.5.", code="invalid_settings")
    changed = [
        name for name, value in values.items() if value is not None and getattr(settings, name) != value
    ]
    for name in changed:
        setattr(settings, name, values[name])
    if settings.webhook_url and not settings.webhook_secret:
        import secrets

        settings.webhook_secret = secrets.token_urlsafe(32)
        changed.append("webhook_secret")
    settings.save()
    audit_record(
        actor=actor,
        action="reviews.settings_updated",
        store=store,
        target=settings,
        metadata={"fields": sorted(set(changed))},
    )
    return settings
