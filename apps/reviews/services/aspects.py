"""A store's custom aspects, and finding aspect mentions (default and custom) in review texts.

The method is the analysis package's (``apps/reviews/analysis``): sentences split, matched to aspect
descriptions by embedding similarity, then classified one by one. Here it is given the inference
layer's ``embed`` and ``classify`` for the store, with embeddings cached for the batch so the aspects'
example phrases are embedded once, not once per review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from django.db import IntegrityError, transaction

from apps import inference
from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError, ConflictError
from apps.core.text import clean_text

from .. import conf
from ..models import CustomAspect

EXAMPLES_MAX = 20
EXAMPLE_MAX_CHARS = 200
NAME_MAX = 64


def _clean_aspect(name: str, examples: Sequence[str]) -> tuple[str, list[str]]:
    from .. import analysis

    name = clean_text(name)
    if not name or len(name) > NAME_MAX:
        raise ApplicationError(f"An aspect's name is 1 to {NAME_MAX} characters.", code="invalid_aspect")
    if name.casefold() in {aspect.name.casefold() for aspect in analysis.DEFAULT_ASPECTS}:
        raise ConflictError(f"{name!r} is a built-in aspect.", code="duplicate_aspect")
    cleaned = [clean_text(example) for example in examples if clean_text(example)]
    if not cleaned or len(cleaned) > EXAMPLES_MAX:
        raise ApplicationError(
            f"Give 1 to {EXAMPLES_MAX} example phrases, in English or Chinese.", code="invalid_aspect"
        )
    if any(len(example) > EXAMPLE_MAX_CHARS for example in cleaned):
        raise ApplicationError(
            f"Example phrases are at most {EXAMPLE_MAX_CHARS} characters.", code="invalid_aspect"
        )
    return name, list(dict.fromkeys(cleaned))


@transaction.atomic
def custom_aspect_create(*, store: Store, actor: Actor, name: str, examples: Sequence[str]) -> CustomAspect:
    name, cleaned = _clean_aspect(name, examples)
    try:
        with transaction.atomic():
            aspect = CustomAspect.objects.create(store=store, name=name, examples=cleaned)
    except IntegrityError:
        raise ConflictError(f"The store already has an aspect {name!r}.", code="duplicate_aspect") from None
    audit_record(actor=actor, action="reviews.aspect_created", store=store, target=aspect)
    return aspect


@transaction.atomic
def custom_aspect_update(
    *, aspect: CustomAspect, actor: Actor, name: str, examples: Sequence[str]
) -> CustomAspect:
    aspect.name, aspect.examples = _clean_aspect(name, examples)
    try:
        with transaction.atomic():
            aspect.save()
    except IntegrityError:
        raise ConflictError(
            f"The store already has an aspect {aspect.name!r}.", code="duplicate_aspect"
        ) from None
    audit_record(actor=actor, action="reviews.aspect_updated", store=aspect.store, target=aspect)
    return aspect


@transaction.atomic
def custom_aspect_delete(*, aspect: CustomAspect, actor: Actor) -> None:
    audit_record(
        actor=actor,
        action="reviews.aspect_deleted",
        store=aspect.store,
        target=aspect,
        metadata={"name": aspect.name},
    )
    aspect.delete()


def aspect_definitions(*, store: Store) -> list[Any]:
    """The built-in aspects and the store's own, as the analysis package's AspectDefinition."""
    from .. import analysis

    custom = [
        analysis.AspectDefinition(name=aspect.name, examples=tuple(aspect.examples))
        for aspect in CustomAspect.objects.filter(store=store)
    ]
    return [*analysis.DEFAULT_ASPECTS, *custom]


def aspect_names(*, store: Store) -> list[str]:
    return [definition.name for definition in aspect_definitions(store=store)]


class _StoreModels:
    """The store's embed and classify, as the analysis package calls them, with embeddings cached."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.vectors: dict[str, list[float]] = {}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        missing = [text for text in dict.fromkeys(texts) if text not in self.vectors]
        if missing:
            results = inference.embed(missing, model=conf.aspect_embed_model(), store=self.store)
            self.vectors.update({text: result.vector for text, result in zip(missing, results, strict=True)})
        return [self.vectors[text] for text in texts]

    def classify(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        results = inference.classify(list(texts), model=conf.sentiment_model(), store=self.store)
        return [(result.label, result.score) for result in results]


def aspect_mentions_find(*, store: Store, texts: Sequence[str]) -> list[list[dict[str, Any]]]:
    """For each text, its aspect mentions as AspectMention field values."""
    from .. import analysis

    definitions = aspect_definitions(store=store)
    models = _StoreModels(store)
    found = []
    for text in texts:
        mentions = analysis.find_aspects(
            text, aspects=definitions, embed=models.embed, classify=models.classify
        )
        found.append([asdict(mention) for mention in mentions])
    return found
