"""Description writes: every version kept, and the review workflow (approve / reject, edited / publish)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError, ConflictError
from apps.jobs.models import Job

from .. import selectors
from ..models import Description, DescriptionStatus, DescriptionVersion, Product
from ..text.diff import text_diff
from ..text.drafts import ScoredDraft, text_check, text_spans, version_flags
from ..text.options import GenerationOptions

ReviewAction = Literal["approve", "reject", "publish"]
REVIEW_AUDIT_ACTIONS = {
    "approve": "catalog.description_approved",
    "reject": "catalog.description_rejected",
    "publish": "catalog.description_published",
}


def _description_for_update(*, product: Product, language: str) -> Description:
    description = Description.objects.select_for_update().filter(product=product, language=language).first()
    if description is None:
        try:
            with transaction.atomic():
                Description.objects.create(store=product.store, product=product, language=language)
        except IntegrityError:
            pass  # created meanwhile by another worker
        description = Description.objects.select_for_update().get(product=product, language=language)
    return description


def _next_number(description: Description) -> int:
    last = description.versions.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


@dataclass(frozen=True)
class VersionContent:
    """What a new version holds: the text, its grounding report (as a dict) and where it came from."""

    text: str
    report: dict[str, Any]
    flags: list[dict[str, str]]
    model_key: str
    model_version: str
    prompt_version: str
    options: dict[str, Any]
    created_by: User | None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    job: Job | None = None
    spans: list[dict[str, Any]] = field(default_factory=list)  # invented and puffery spans, with offsets


def description_version_add(
    *,
    description: Description,
    content: VersionContent,
    origin: str,
    parent: DescriptionVersion | None = None,
) -> DescriptionVersion:
    """The one place a version is written: numbered after the last, with its scores, flags and origin.

    Runs inside the caller's transaction, with the description locked.
    """
    return DescriptionVersion.objects.create(
        description=description,
        number=_next_number(description),
        text=content.text,
        origin=origin,
        parent=parent,
        model_key=content.model_key,
        model_version=content.model_version,
        prompt_version=content.prompt_version,
        options=content.options,
        score=content.report["score"],
        coverage=content.report["coverage"],
        flags=content.flags,
        spans=content.spans,
        candidates=content.candidates,
        job=content.job,
        created_by=content.created_by,
    )


def draft_version_add(*, product: Product, language: str, content: VersionContent) -> DescriptionVersion:
    """A new generated version of the product's description in a language, made its current draft."""
    description = _description_for_update(product=product, language=language)
    version = description_version_add(
        description=description, content=content, origin=DescriptionVersion.Origin.GENERATED
    )
    description.current_version = version
    description.status = DescriptionStatus.DRAFT
    description.save(update_fields=["current_version", "status", "updated_at"])
    return version


def _edited_version(
    *, description: Description, parent: DescriptionVersion, text: str, actor: Actor
) -> DescriptionVersion:
    options = GenerationOptions.from_dict(parent.options or {}).for_language(description.language)
    facts = description.product.facts()
    checked = ScoredDraft(
        text=text.strip(),
        report=text_check(text.strip(), facts=facts, options=options),
        spans=text_spans(text.strip(), facts=facts, options=options),
    )
    content = VersionContent(
        text=checked.text,
        report=checked.report.to_dict(),
        flags=version_flags(None, checked),
        spans=checked.spans,
        model_key=parent.model_key,
        model_version=parent.model_version,
        prompt_version=parent.prompt_version,
        options=parent.options,
        created_by=actor.user_or_none,
    )
    return description_version_add(
        description=description, content=content, origin=DescriptionVersion.Origin.EDITED, parent=parent
    )


@transaction.atomic
def description_review(
    *,
    description: Description,
    actor: Actor,
    action: ReviewAction,
    text: str | None = None,
    note: str = "",
    version_number: int | None = None,
    confirm_invented: bool = False,
) -> DescriptionVersion:
    """approve (optionally with an edited text, kept as a new version), reject (with a note and optionally an
    edited text, kept as a new draft), or publish an approved version.

    Approving a text with invented spans needs ``confirm_invented``: the reviewer has seen them."""
    description = (
        Description.objects.select_for_update().select_related("product", "store").get(pk=description.pk)
    )
    if version_number is not None:
        version = selectors.description_version_get(description=description, number=version_number)
    elif action == "publish" and description.approved_version_id:
        version = description.approved_version  # type: ignore[assignment]
    else:
        version = description.current_version  # type: ignore[assignment]
    if version is None:
        raise ApplicationError("This description has no version yet.", code="no_version")
    edited = bool(text is not None and text.strip() and text.strip() != version.text.strip())

    if action == "publish":
        if version.status not in (DescriptionStatus.APPROVED, DescriptionStatus.PUBLISHED):
            raise ApplicationError("Only an approved version can be published.", code="not_approved")
        DescriptionVersion.objects.filter(
            description=description, status=DescriptionStatus.PUBLISHED
        ).exclude(pk=version.pk).update(status=DescriptionStatus.APPROVED)
        version.status = DescriptionStatus.PUBLISHED
        version.save(update_fields=["status"])
        description.published_version = version
        description.approved_version = version
        description.status = DescriptionStatus.PUBLISHED
    elif action in ("approve", "reject"):
        version = _review_draft(
            description=description, version=version, actor=actor, action=action, text=text, note=note
        )
        if action == "approve" and version.invented_spans and not confirm_invented:
            raise ConflictError(
                f"This text has {len(version.invented_spans)} invented span(s) "
                f"({', '.join(span['text'] for span in version.invented_spans[:5])}); "
                "confirm that you checked them to approve it.",
                code="invented_unconfirmed",
            )
    else:
        raise ApplicationError(f"Unknown review action {action!r}.", code="invalid")
    description.current_version = version
    description.save()
    audit_record(
        actor=actor,
        action=REVIEW_AUDIT_ACTIONS[action],
        store=description.store,
        target=description,
        metadata={"version": version.number, "edited": edited, "note": note[:200]},
    )
    return version


def _review_draft(
    *,
    description: Description,
    version: DescriptionVersion,
    actor: Actor,
    action: ReviewAction,
    text: str | None,
    note: str,
) -> DescriptionVersion:
    if version.status != DescriptionStatus.DRAFT:
        raise ConflictError(
            f"Version {version.number} is {version.status}; only drafts are reviewed.",
            code="already_reviewed",
        )
    edited = text is not None and text.strip() and text.strip() != version.text.strip()
    if action == "approve":
        if edited:
            version = _edited_version(description=description, parent=version, text=str(text), actor=actor)
        version.status = DescriptionStatus.APPROVED
        description.approved_version = version
        description.status = DescriptionStatus.APPROVED
    else:
        version.status = DescriptionStatus.REJECTED
        description.status = DescriptionStatus.REJECTED
    version.reviewed_by = actor.user_or_none
    version.reviewed_at = timezone.now()
    version.review_note = note
    version.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    if action == "reject" and edited:
        version = _edited_version(description=description, parent=version, text=str(text), actor=actor)
        description.status = DescriptionStatus.DRAFT
    return version


def description_diff(*, old: DescriptionVersion, new: DescriptionVersion) -> list[dict[str, str]]:
    """Word-level (character-level for Chinese) differences between two versions."""
    return text_diff(old.text, new.text)
