"""Datasets from a store's own data: gathered, cleaned, split and frozen as a snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.catalog.models import Description
from apps.catalog.text.grounding import text_length
from apps.catalog.text.options import GenerationOptions
from apps.catalog.text.prompting import build_prompt
from apps.core.errors import ApplicationError
from apps.reviews.models import Review
from apps.support.knowledge.guardrails import redact_pii
from apps.support.models import Chunk

from ..engine import datasets as engine
from ..models import DatasetExample, Kind, ReviewLabel, TrainingDataset

STAR_LABELS = {1: "negative", 2: "negative", 3: "neutral", 4: "positive", 5: "positive"}
# Fewer examples than this after cleaning cannot be split into train, validation and test.
MIN_EXAMPLES = 3
PREVIEW_ROWS = 10


@dataclass(frozen=True)
class DatasetOptions:
    """What a dataset is built from and how it is cleaned; crosses the service boundary typed."""

    kind: str
    name: str = ""
    label_source: str = ""  # sentiment: "human" or "stars", chosen explicitly
    seed: int = 13
    min_length: int = 3
    max_length: int = 2000
    near_duplicate_threshold: float = 0.85
    valid_fraction: float = 0.1
    test_fraction: float = 0.1

    def clean_options(self) -> engine.CleanOptions:
        return engine.CleanOptions(
            min_length=self.min_length,
            max_length=self.max_length,
            near_duplicate_threshold=self.near_duplicate_threshold,
            seed=self.seed,
            valid_fraction=self.valid_fraction,
            test_fraction=self.test_fraction,
        )


def _review_text(review: Review) -> str:
    # The text the classifier reads at serving time (reviews.services.classification).
    return f"{review.title}. {review.text}" if review.title else review.text


def sentiment_examples(*, store: Store, label_source: str) -> Iterator[engine.RawExample]:
    if label_source == TrainingDataset.LabelSource.HUMAN:
        labels = ReviewLabel.objects.filter(store=store, review__store=store).select_related("review")
        for row in labels.order_by("review_id"):
            yield engine.RawExample(
                text=_review_text(row.review), label=row.label, source=f"review:{row.review_id}"
            )
    elif label_source == TrainingDataset.LabelSource.STARS:
        for review in Review.objects.filter(store=store, rating__isnull=False).order_by("pk"):
            yield engine.RawExample(
                text=_review_text(review), label=STAR_LABELS[review.rating or 0], source=f"review:{review.pk}"
            )
    else:
        raise ApplicationError(
            _("Choose where the labels come from: a person's labels or the star ratings."),
            code="label_source_required",
        )


def description_prompt(*, facts: object, language: str, target_length: int) -> str:
    """The prompt a description generator is trained on: the store's facts, zero examples."""
    options = GenerationOptions(language=language, target_length=target_length)
    return build_prompt(facts, options, shots=0).text  # type: ignore[arg-type]


def _rounded_length(text: str, language: str) -> int:
    return max(10, round(text_length(text, language) / 10) * 10)


def description_examples(*, store: Store) -> Iterator[engine.RawExample]:
    descriptions = (
        Description.objects.filter(store=store, approved_version__isnull=False)
        .select_related("product", "approved_version")
        .order_by("pk")
    )
    for description in descriptions:
        text = description.approved_version.text.strip()  # type: ignore[union-attr]
        facts = description.product.facts()
        language = description.language
        target_length = _rounded_length(text, language)
        yield engine.RawExample(
            text=description_prompt(facts=facts, language=language, target_length=target_length),
            target=" " + text,
            group=f"product:{description.product_id}",
            source=f"description:{description.pk}",
            meta={"facts": asdict(facts), "language": language, "target_length": target_length},
        )


def pretrain_examples(*, store: Store) -> Iterator[engine.RawExample]:
    """The store's own text: product copy, reviews and knowledge-base chunks."""
    descriptions = (
        Description.objects.filter(store=store, approved_version__isnull=False)
        .select_related("product", "approved_version")
        .order_by("pk")
    )
    seen_products: set[int] = set()
    for description in descriptions:
        product = description.product
        if product.pk not in seen_products and product.published_text:
            seen_products.add(product.pk)
            yield engine.RawExample(text=product.published_text, source=f"product:{product.pk}")
        yield engine.RawExample(
            text=f"{product.title}\n{description.approved_version.text}",  # type: ignore[union-attr]
            source=f"description:{description.pk}",
        )
    for review in Review.objects.filter(store=store).order_by("pk"):
        yield engine.RawExample(text=_review_text(review), source=f"review:{review.pk}")
    for chunk in Chunk.objects.filter(store=store).order_by("pk"):
        yield engine.RawExample(text=chunk.text, source=f"chunk:{chunk.pk}")


def _gather(*, store: Store, options: DatasetOptions) -> Iterator[engine.RawExample]:
    if options.kind == Kind.SENTIMENT:
        return sentiment_examples(store=store, label_source=options.label_source)
    if options.kind == Kind.DESCRIPTION:
        return description_examples(store=store)
    if options.kind == Kind.PRETRAIN:
        return pretrain_examples(store=store)
    raise ApplicationError(_("Unknown dataset kind."), code="invalid_kind")


def dataset_build(*, store: Store, actor: Actor, options: DatasetOptions) -> TrainingDataset:
    """Gather the store's examples, clean and split them, and freeze them as a snapshot."""
    if options.kind != Kind.SENTIMENT and options.label_source:
        raise ApplicationError(_("Only sentiment datasets have labels."), code="invalid_label_source")
    clean_options = options.clean_options()
    kept, report = engine.clean(_gather(store=store, options=options), clean_options, redact=redact_pii)
    if len(kept) < MIN_EXAMPLES:
        raise ApplicationError(
            _("Only %(count)s usable examples after cleaning; at least %(minimum)s are needed.")
            % {"count": len(kept), "minimum": MIN_EXAMPLES},
            code="too_few_examples",
            details={"report": report.to_dict()},
        )
    parts = engine.split(kept, clean_options)
    with transaction.atomic():
        dataset = TrainingDataset.objects.create(
            store=store,
            kind=options.kind,
            name=(options.name or f"{options.kind} {len(kept)}")[:200],
            label_source=options.label_source,
            options=asdict(options),
            report=report.to_dict(),
            split_counts={name: len(parts[name]) for name in engine.SPLITS},
            label_balance={name: engine.label_balance(parts[name]) for name in engine.SPLITS},
            content_sha256=engine.content_sha256(parts),
            created_by=actor.user_or_none,
        )
        DatasetExample.objects.bulk_create(
            [
                DatasetExample(
                    dataset=dataset,
                    split=name,
                    position=position,
                    text=example.text,
                    target=example.target,
                    label=example.label,
                    source=example.source[:64],
                    meta=example.meta,
                )
                for name in engine.SPLITS
                for position, example in enumerate(parts[name])
            ],
            batch_size=1000,
        )
        audit_record(
            actor=actor,
            action="training.dataset_built",
            store=store,
            target=dataset,
            metadata={"kind": dataset.kind, "sha256": dataset.content_sha256, "examples": len(kept)},
        )
    return dataset


@transaction.atomic
def review_label_set(*, store: Store, review: Review, label: str, actor: Actor) -> ReviewLabel:
    """A person's sentiment label for one of the store's reviews (replaces an earlier one)."""
    if review.store_id != store.pk:
        raise ApplicationError(_("The review belongs to another store."), code="not_found")
    row, _created = ReviewLabel.objects.update_or_create(
        review=review, defaults={"store": store, "label": label, "labelled_by": actor.user_or_none}
    )
    return row


def dataset_examples(*, dataset: TrainingDataset, split: str) -> list[engine.RawExample]:
    """The frozen examples of one split, in their stored order."""
    return [
        engine.RawExample(text=row.text, label=row.label, target=row.target, source=row.source, meta=row.meta)
        for row in dataset.examples.filter(split=split).order_by("position")
    ]
