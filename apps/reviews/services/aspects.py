"""A store's custom aspects, and finding aspect mentions (default and custom) in review texts.

The method is the analysis package's (``apps/reviews/analysis``): reviews cut into clauses, matched
to aspects by keywords and by embedding similarity to the aspects' example phrases, each mention's
sentiment the classifier's label for its clause. Here it is given the inference layer's ``embed``
(the multilingual encoder) and ``classify`` (the sentiment classifier) for the store, for a whole
batch of reviews at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction

from apps import inference
from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError, ConflictError
from apps.core.text import clean_text

from .. import analysis, conf
from ..models import CustomAspect

EXAMPLES_MAX = 20
EXAMPLE_MAX_CHARS = 200
NAME_MAX = 64


def _clean_aspect(name: str, examples: Sequence[str]) -> tuple[str, list[str]]:
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


def aspect_definitions(*, store: Store) -> list[analysis.AspectDefinition]:
    """The built-in aspects and the store's own, as the analysis package's AspectDefinition."""
    custom = [
        # The name itself, written in a review, is a mention too ("battery").
        analysis.AspectDefinition(name=aspect.name, examples=tuple(aspect.examples), keywords=(aspect.name,))
        for aspect in CustomAspect.objects.filter(store=store)
    ]
    return [*analysis.DEFAULT_ASPECTS, *custom]


def aspect_names(*, store: Store) -> list[str]:
    return [definition.name for definition in aspect_definitions(store=store)]


# Example phrases' vectors are kept a day: the same few dozen phrases come with every batch.
EXAMPLE_VECTORS_SECONDS = 24 * 3600


def _example_key(spec: inference.ModelSpec, text: str) -> str:
    identity = f"{spec.key}\0{spec.path}\0{spec.checksum}\0{text}"
    return "reviews:aspect-example:" + hashlib.sha256(identity.encode()).hexdigest()


class _StoreModels:
    """The store's embed and classify, as the analysis package calls them."""

    def __init__(self, store: Store, classifier: inference.ModelSpec | None = None) -> None:
        self.store = store
        self.classifier = classifier
        self.encoder = inference.resolve_model(conf.aspect_embed_model(), task="embed", store=store)

    def embed(self, texts: list[str]) -> list[list[float]]:
        # "query" for clauses and examples alike, as the thresholds were chosen (analysis/aspects.py).
        results = inference.embed(texts, model=self.encoder, store=self.store, kind="query")
        return [result.vector for result in results]

    def embed_examples(self, texts: list[str]) -> list[list[float]]:
        """As ``embed``; each phrase's vector is cached per model, so a batch embeds only new phrases."""
        keys = [_example_key(self.encoder, text) for text in texts]
        known: dict[str, list[float]] = cache.get_many(keys)
        missing = list(dict.fromkeys(text for text, key in zip(texts, keys, strict=True) if key not in known))
        if missing:
            fresh = {
                _example_key(self.encoder, text): vector
                for text, vector in zip(missing, self.embed(missing), strict=True)
            }
            cache.set_many(fresh, timeout=EXAMPLE_VECTORS_SECONDS)
            known.update(fresh)
        return [known[key] for key in keys]

    def classify(self, texts: list[str]) -> list[tuple[str, float]]:
        model = self.classifier or conf.sentiment_model()
        results = inference.classify(texts, model=model, store=self.store)
        return [(result.label, result.score) for result in results]


def aspect_mentions_find(
    *, store: Store, texts: Sequence[str], classifier: inference.ModelSpec | None = None
) -> list[list[dict[str, Any]]]:
    """For each text, its aspect mentions as AspectMention field values (one embed and one classify call).

    ``classifier``: the store's sentiment model where the caller has resolved it already.
    """
    models = _StoreModels(store, classifier)
    found = analysis.find_aspects_many(
        list(texts),
        aspects=aspect_definitions(store=store),
        embed=models.embed,
        classify=models.classify,
        embed_examples=models.embed_examples,
    )
    return [[asdict(mention) for mention in mentions] for mentions in found]
