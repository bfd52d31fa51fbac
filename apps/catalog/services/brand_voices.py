"""Brand voice writes: how a store's descriptions should sound, and the words they must avoid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict, Unpack

from django.db import IntegrityError, transaction

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ConflictError

from ..models import BrandVoice


class BrandVoiceChanges(TypedDict, total=False):
    name: str
    description: str
    do_words: Sequence[str]
    dont_words: Sequence[str]
    example_texts: Sequence[str]


def _duplicate_name(name: str) -> ConflictError:
    return ConflictError(f"A brand voice named {name!r} exists.", code="duplicate_name")


@transaction.atomic
def brand_voice_create(
    *,
    store: Store,
    actor: Actor,
    name: str,
    description: str = "",
    do_words: Sequence[str] = (),
    dont_words: Sequence[str] = (),
    example_texts: Sequence[str] = (),
) -> BrandVoice:
    if BrandVoice.objects.filter(store=store, name=name.strip()).exists():
        raise _duplicate_name(name)
    voice = BrandVoice.objects.create(
        store=store,
        name=name.strip(),
        description=description,
        do_words=list(do_words),
        dont_words=list(dont_words),
        example_texts=list(example_texts),
    )
    audit_record(actor=actor, action="catalog.brand_voice_created", store=store, target=voice)
    return voice


@transaction.atomic
def brand_voice_update(
    *, voice: BrandVoice, actor: Actor, **changes: Unpack[BrandVoiceChanges]
) -> BrandVoice:
    for name, value in changes.items():
        setattr(voice, name, value.strip() if name == "name" and isinstance(value, str) else value)
    try:
        with transaction.atomic():
            voice.save()
    except IntegrityError:
        raise _duplicate_name(voice.name) from None
    audit_record(actor=actor, action="catalog.brand_voice_updated", store=voice.store, target=voice)
    return voice


@transaction.atomic
def brand_voice_delete(*, voice: BrandVoice, actor: Actor) -> None:
    audit_record(actor=actor, action="catalog.brand_voice_deleted", store=voice.store, target=voice)
    voice.delete()
