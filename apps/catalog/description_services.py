"""Description writes: generating grounded drafts (one product, streamed, or a whole selection as a job),
keeping every version, the review workflow (approve / reject, with edits / publish) and brand voices."""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from apps import inference
from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError, ConflictError
from apps.jobs.models import Job
from apps.jobs.services import job_create

from . import conf, generation, grounding, selectors
from .models import BrandVoice, Description, DescriptionStatus, DescriptionVersion, Product
from .prompting import (
    GenerationOptions,
    ProductFacts,
    Prompt,
    build_prompt,
    clean_output,
    estimate_tokens,
    max_new_tokens,
)

DESCRIBE_JOB_KIND = "catalog.describe"
DEFAULT_BATCH_SIZE = 8
REVIEW_AUDIT_ACTIONS = {
    "approve": "catalog.description_approved",
    "reject": "catalog.description_rejected",
    "publish": "catalog.description_published",
}

logger = logging.getLogger(__name__)


# --- building blocks --------------------------------------------------------------------------


def product_facts(product: Product) -> ProductFacts:
    return ProductFacts(
        title=product.title,
        brand=product.brand,
        category=product.category,
        attributes={str(key): str(value) for key, value in (product.attributes or {}).items()},
        price=str(product.price) if product.price is not None else "",
        currency=product.currency,
    )


def generation_options(*, store: Store, product: Product | None, raw: dict[str, Any]) -> GenerationOptions:
    """Options from an API or form payload: the brand voice resolved, defaults from the product."""
    voice: dict[str, Any] | None = None
    if raw.get("brand_voice"):
        brand_voice = selectors.brand_voice_get(store=store, brand_voice_id=raw["brand_voice"])
        voice = {
            "id": brand_voice.pk,
            "name": brand_voice.name,
            "description": brand_voice.description,
            "do_words": brand_voice.do_words,
            "dont_words": brand_voice.dont_words,
            "example_texts": brand_voice.example_texts,
        }
    language = raw.get("language") or (product.language if product else store.default_language)
    return GenerationOptions(
        language=language,
        tone=raw.get("tone") or "neutral",
        target_length=int(raw.get("target_length") or 80),
        format=raw.get("format") or "paragraph",
        seo_keywords=list(raw.get("seo_keywords") or []),
        brand_voice=voice,
        candidates=int(raw.get("candidates") or conf.describe_candidates()),
        seed=raw.get("seed"),
    )


def description_prompt(*, product: Product, options: GenerationOptions) -> Prompt:
    examples = [
        (product_facts(example_product), text)
        for example_product, text in selectors.approved_examples(
            store=product.store,
            language=options.language,
            category=product.category,
            limit=2,
            exclude_product_id=product.pk,
        )
        if (options.format == "bullets") == text.lstrip().startswith(("-", "•"))
    ]
    budget = generation.model_max_length(store=product.store)
    shots = 3
    prompt = build_prompt(product_facts(product), options, store_examples=examples, shots=shots)
    # Fewer examples where the model's context would not hold the prompt and the draft.
    while budget and shots > 0 and estimate_tokens(prompt.text) + max_new_tokens(options) > budget:
        shots -= 1
        prompt = build_prompt(product_facts(product), options, store_examples=examples, shots=shots)
    return prompt


@dataclass
class ScoredDraft:
    text: str
    report: grounding.GroundingReport

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, **self.report.to_dict()}


def drafts_score(
    *, prompt: Prompt, options: GenerationOptions, drafts: Iterable[generation.Draft]
) -> list[ScoredDraft]:
    """Each draft cleaned and checked against the facts the prompt used; best first."""
    facts = grounding.Facts(
        title=prompt.facts.title,
        brand=prompt.facts.brand,
        category=prompt.facts.category,
        attributes=prompt.facts.attributes,
        price=prompt.facts.price,
        currency=prompt.facts.currency,
    )
    banned = list((options.brand_voice or {}).get("dont_words") or [])
    scored = []
    for draft in drafts:
        text = clean_output(draft.text, truncated=draft.finish_reason == "length")
        report = grounding.check(
            text,
            facts,
            language=options.language,
            target_length=options.target_length,
            keywords=options.seo_keywords,
            banned_words=banned,
        )
        scored.append(ScoredDraft(text=text, report=report))
    return [scored[index] for index in grounding.rank([draft.report for draft in scored])]


def _prompt_flags(prompt: Prompt) -> list[dict[str, str]]:
    return [
        {
            "code": "instruction_in_facts",
            "term": name,
            "message": f"The value of “{name}” reads like an instruction to the model and was left out.",
        }
        for name in prompt.dropped
    ]


@transaction.atomic
def description_draft_save(
    *,
    product: Product,
    options: GenerationOptions,
    prompt: Prompt,
    scored: list[ScoredDraft],
    model_key: str,
    model_version: str,
    actor: Actor,
    job: Job | None = None,
) -> DescriptionVersion:
    """Keep the best draft as a new version of the product's description; the others are kept with it."""
    if not scored:
        raise ApplicationError("The model returned no draft.", code="no_draft")
    best = scored[0]
    version = _draft_version_add(
        product=product,
        language=options.language,
        text=best.text,
        model_key=model_key,
        model_version=model_version,
        prompt_version=prompt.version,
        options=options.to_dict(),
        score=best.report.score,
        coverage=best.report.coverage,
        flags=_prompt_flags(prompt) + best.report.flags,
        candidates=[draft.to_dict() for draft in scored],
        job=job,
        created_by=actor.user_or_none,
    )
    audit_record(
        actor=actor,
        action="catalog.description_generated",
        store=product.store,
        target=version.description,
        metadata={"version": version.number, "score": version.score, "job": job.pk if job else None},
    )
    return version


def _draft_version_add(*, product: Product, language: str, **fields: Any) -> DescriptionVersion:
    """A new generated version of the product's description in a language, made its current draft."""
    description = _description_for_update(product=product, language=language)
    version = DescriptionVersion.objects.create(
        description=description,
        number=_next_number(description),
        origin=DescriptionVersion.Origin.GENERATED,
        **fields,
    )
    description.current_version = version
    description.status = DescriptionStatus.DRAFT
    description.save(update_fields=["current_version", "status", "updated_at"])
    return version


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


# --- generating -------------------------------------------------------------------------------


def description_generate(*, product: Product, actor: Actor, options: dict[str, Any]) -> DescriptionVersion:
    """Several candidates for one product in one batch, reranked by grounding; the best becomes a draft."""
    resolved = generation_options(store=product.store, product=product, raw=options)
    prompt = description_prompt(product=product, options=resolved)
    batch = generation.drafts_generate(prompts=[prompt.text], options=resolved, store=product.store)
    scored = drafts_score(prompt=prompt, options=resolved, drafts=batch.drafts[0])
    return description_draft_save(
        product=product,
        options=resolved,
        prompt=prompt,
        scored=scored,
        model_key=batch.model_key,
        model_version=batch.model_version,
        actor=actor,
    )


def _stream_error(error: Exception) -> tuple[str, str]:
    """(code, message) for a failure mid-stream, as the API would answer it."""
    from django.utils.translation import gettext as _

    if isinstance(error, ApplicationError):
        return error.code, error.message
    if isinstance(error, inference.InferenceError):
        public = inference.public_error(error)
        if not public.client_fault:
            logger.warning("catalog: streamed generation failed (%s): %s", public.code, error)
        return public.code, public.message
    logger.exception("catalog: streamed generation failed", exc_info=error)
    return "generation_failed", _("Generation failed; the error was logged.")


def description_generate_stream(
    *, product: Product, actor: Actor, options: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """The first candidate as it is written ({"delta": ...}), then the others in one batch, then the saved
    version ({"version": n, "score": ..., "flags": [...]}) or an error ({"error": ...})."""
    resolved = generation_options(store=product.store, product=product, raw=options)
    prompt = description_prompt(product=product, options=resolved)
    try:
        pieces: list[str] = []
        finish = "stop"
        for delta, finish_reason in generation.draft_stream(
            prompt=prompt.text, options=resolved, store=product.store
        ):
            pieces.append(delta)
            finish = finish_reason or finish
            if delta:
                yield {"delta": delta}
        drafts = [generation.Draft(text="".join(pieces), finish_reason=finish)]
        model_key, model_version = generation.model_identity(store=product.store)
        if resolved.candidates > 1:
            yield {"status": "scoring"}
            batch = generation.drafts_generate(
                prompts=[prompt.text], options=resolved, store=product.store, n=resolved.candidates - 1
            )
            drafts += batch.drafts[0]
            model_key, model_version = batch.model_key, batch.model_version
        scored = drafts_score(prompt=prompt, options=resolved, drafts=drafts)
        version = description_draft_save(
            product=product,
            options=resolved,
            prompt=prompt,
            scored=scored,
            model_key=model_key,
            model_version=model_version,
            actor=actor,
        )
    except Exception as error:  # the page shows it; the stream must end cleanly
        code, message = _stream_error(error)
        yield {"error": message, "code": code}
        return
    yield {
        "version": version.number,
        "description": version.description_id,
        "text": version.text,
        "score": version.score,
        "coverage": version.coverage,
        "flags": version.flags,
    }


def descriptions_generate_bulk(
    *,
    store: Store,
    actor: Actor,
    options: dict[str, Any],
    products: QuerySet[Product],
    batch_size: int = DEFAULT_BATCH_SIZE,
    only_missing: bool = False,
) -> Job:
    """A job on the inference queue: one item per batch of products, generated in one batched call."""
    resolved = generation_options(store=store, product=None, raw=options)
    if only_missing:
        # Skip products that already have an approved text in the language this run writes.
        approved = Description.objects.filter(product=OuterRef("pk"), approved_version__isnull=False)
        language = options.get("language")
        approved = (
            approved.filter(language=language) if language else approved.filter(language=OuterRef("language"))
        )
        products = products.exclude(Exists(approved))
    product_ids = list(products.order_by("pk").values_list("pk", flat=True))
    if not product_ids:
        raise ApplicationError("No products match this selection.", code="empty_selection")
    params = {
        "options": {**resolved.to_dict(), "language": options.get("language") or None},
        "batch_size": batch_size,
    }
    batches = [product_ids[start : start + batch_size] for start in range(0, len(product_ids), batch_size)]
    return job_create(
        store=store,
        kind=DESCRIBE_JOB_KIND,
        actor=actor,
        params=params,
        title=f"Descriptions for {len(product_ids)} products",
        items=((f"products {batch[0]}-{batch[-1]}", {"products": batch}) for batch in batches),
    )


def descriptions_generate_batch(
    *, store: Store, product_ids: list[int], options: dict[str, Any]
) -> dict[str, Any]:
    """Drafts for a batch of products in one call (a job item); returns the scored drafts, saves nothing."""
    products = {product.pk: product for product in Product.objects.filter(store=store, pk__in=product_ids)}
    prompts: list[tuple[Product, GenerationOptions, Prompt]] = []
    for product_id in product_ids:
        product = products.get(product_id)
        if product is None:
            continue
        resolved = GenerationOptions.from_dict(
            {**options, "language": options.get("language") or product.language}
        )
        prompts.append((product, resolved, description_prompt(product=product, options=resolved)))
    results: list[dict[str, Any]] = []
    # One generate() call per language, since options (stop strings, lengths) differ by language.
    for language in sorted({resolved.language for _p, resolved, _prompt in prompts}):
        group = [entry for entry in prompts if entry[1].language == language]
        batch = generation.drafts_generate(
            prompts=[prompt.text for _p, _o, prompt in group], options=group[0][1], store=store
        )
        for (product, resolved, prompt), drafts in zip(group, batch.drafts, strict=True):
            scored = drafts_score(prompt=prompt, options=resolved, drafts=drafts)
            results.append(
                {
                    "product": product.pk,
                    "options": resolved.to_dict(),
                    "prompt_version": prompt.version,
                    "prompt_flags": _prompt_flags(prompt),
                    "model_key": batch.model_key,
                    "model_version": batch.model_version,
                    "candidates": [draft.to_dict() for draft in scored],
                }
            )
    return {"products": results, "missing": [pk for pk in product_ids if pk not in products]}


@transaction.atomic
def descriptions_batch_save(*, job: Job, result: dict[str, Any]) -> None:
    """Keep a job item's drafts as new versions. Runs once per item, in the transaction that records it."""
    actor = Actor(user=job.created_by, source="system")
    products = {
        product.pk: product
        for product in Product.objects.filter(
            store=job.store, pk__in=[entry["product"] for entry in result["products"]]
        )
    }
    for entry in result["products"]:
        product = products.get(entry["product"])
        if product is None or not entry["candidates"]:
            continue
        best = entry["candidates"][0]
        _draft_version_add(
            product=product,
            language=entry["options"]["language"],
            text=best["text"],
            model_key=entry["model_key"],
            model_version=entry["model_version"],
            prompt_version=entry["prompt_version"],
            options=entry["options"],
            score=best["score"],
            coverage=best["coverage"],
            flags=entry["prompt_flags"] + best["flags"],
            candidates=entry["candidates"],
            job=job,
            created_by=job.created_by,
        )
    audit_record(
        actor=actor,
        action="catalog.descriptions_generated",
        store=job.store,
        target=job,
        metadata={"products": len(result["products"])},
    )


# --- review -----------------------------------------------------------------------------------


@transaction.atomic
def description_review(
    *,
    description: Description,
    actor: Actor,
    action: str,
    text: str | None = None,
    note: str = "",
    version_number: int | None = None,
) -> DescriptionVersion:
    """approve (optionally with an edited text, kept as a new version), reject (with a note and optionally an
    edited text, kept as a new draft), or publish an approved version."""
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
    now = timezone.now()
    edited = text is not None and text.strip() and text.strip() != version.text.strip()

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
        if version.status != DescriptionStatus.DRAFT:
            raise ConflictError(
                f"Version {version.number} is {version.status}; only drafts are reviewed.",
                code="already_reviewed",
            )
        if action == "approve":
            if edited:
                version = _edited_version(
                    description=description, parent=version, text=str(text), actor=actor
                )
            version.status = DescriptionStatus.APPROVED
            description.approved_version = version
            description.status = DescriptionStatus.APPROVED
        else:
            version.status = DescriptionStatus.REJECTED
            description.status = DescriptionStatus.REJECTED
        version.reviewed_by = actor.user_or_none
        version.reviewed_at = now
        version.review_note = note
        version.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        if action == "reject" and edited:
            version = _edited_version(description=description, parent=version, text=str(text), actor=actor)
            description.status = DescriptionStatus.DRAFT
    else:
        raise ApplicationError(f"Unknown review action {action!r}.", code="invalid")
    description.current_version = version
    description.save()
    audit_record(
        actor=actor,
        action=REVIEW_AUDIT_ACTIONS[action],
        store=description.store,
        target=description,
        metadata={"version": version.number, "edited": bool(edited), "note": note[:200]},
    )
    return version


def _edited_version(
    *, description: Description, parent: DescriptionVersion, text: str, actor: Actor
) -> DescriptionVersion:
    options = GenerationOptions.from_dict(parent.options or {"language": description.language})
    prompt_facts = product_facts(description.product)
    report = grounding.check(
        text.strip(),
        grounding.Facts(**vars(prompt_facts)),
        language=description.language,
        target_length=options.target_length,
        keywords=options.seo_keywords,
        banned_words=list((options.brand_voice or {}).get("dont_words") or []),
    )
    return DescriptionVersion.objects.create(
        description=description,
        number=_next_number(description),
        text=text.strip(),
        origin=DescriptionVersion.Origin.EDITED,
        parent=parent,
        model_key=parent.model_key,
        model_version=parent.model_version,
        prompt_version=parent.prompt_version,
        options=parent.options,
        score=report.score,
        coverage=report.coverage,
        flags=report.flags,
        created_by=actor.user_or_none,
    )


_TOKEN = re.compile(r"[\u3400-\u9fff]|\w+|\s+|[^\w\s]", re.UNICODE)


def description_diff(*, old: DescriptionVersion, new: DescriptionVersion) -> list[dict[str, str]]:
    """Word-level (character-level for Chinese) differences.

    A list of ``{"op": "equal" | "insert" | "delete", "text": ...}`` segments.
    """
    a, b = _TOKEN.findall(old.text), _TOKEN.findall(new.text)
    segments: list[dict[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            segments.append({"op": "delete", "text": "".join(a[i1:i2])})
        if tag in ("insert", "replace"):
            segments.append({"op": "insert", "text": "".join(b[j1:j2])})
        if tag == "equal":
            segments.append({"op": "equal", "text": "".join(a[i1:i2])})
    return segments


# --- brand voices -----------------------------------------------------------------------------


@transaction.atomic
def brand_voice_create(*, store: Store, actor: Actor, name: str, **fields: Any) -> BrandVoice:
    if BrandVoice.objects.filter(store=store, name=name.strip()).exists():
        raise ConflictError(f"A brand voice named {name!r} exists.", code="duplicate_name")
    voice = BrandVoice.objects.create(store=store, name=name.strip(), **fields)
    audit_record(actor=actor, action="catalog.brand_voice_created", store=store, target=voice)
    return voice


@transaction.atomic
def brand_voice_update(*, voice: BrandVoice, actor: Actor, **fields: Any) -> BrandVoice:
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        # As on create: a duplicate name is a conflict (the unique constraint made it a 500).
        if BrandVoice.objects.filter(store=voice.store, name=fields["name"]).exclude(pk=voice.pk).exists():
            raise ConflictError(f"A brand voice named {fields['name']!r} exists.", code="duplicate_name")
    for name, value in fields.items():
        setattr(voice, name, value)
    voice.save()
    audit_record(actor=actor, action="catalog.brand_voice_updated", store=voice.store, target=voice)
    return voice


@transaction.atomic
def brand_voice_delete(*, voice: BrandVoice, actor: Actor) -> None:
    audit_record(actor=actor, action="catalog.brand_voice_deleted", store=voice.store, target=voice)
    voice.delete()
