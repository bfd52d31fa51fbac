"""Campaigns and the store's marketing rules."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError
from apps.core.text import clean_text

from ..models import Campaign, MarketingSettings


@transaction.atomic
def campaign_create(*, store: Store, actor: Actor, name: str, notes: str = "") -> Campaign:
    name = clean_text(name)
    if not name:
        raise ApplicationError(_("A campaign needs a name."), code="name_required")
    campaign = Campaign.objects.create(
        store=store, name=name[:200], notes=clean_text(notes), created_by=actor.user_or_none
    )
    audit_record(actor=actor, action="marketing.campaign_created", store=store, target=campaign)
    return campaign


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, actor: Actor, name: str | None = None, notes: str | None = None
) -> Campaign:
    if name is not None:
        if not clean_text(name):
            raise ApplicationError(_("A campaign needs a name."), code="name_required")
        campaign.name = clean_text(name)[:200]
    if notes is not None:
        campaign.notes = clean_text(notes)
    campaign.save()
    audit_record(actor=actor, action="marketing.campaign_updated", store=campaign.store, target=campaign)
    return campaign


@transaction.atomic
def campaign_delete(*, campaign: Campaign, actor: Actor) -> None:
    audit_record(actor=actor, action="marketing.campaign_deleted", store=campaign.store, target=campaign)
    campaign.delete()


@transaction.atomic
def marketing_settings_update(
    *,
    store: Store,
    actor: Actor,
    banned_words: Sequence[str] | None = None,
    sms_opt_out_en: str | None = None,
    sms_opt_out_zh: str | None = None,
    sms_sender: str | None = None,
) -> MarketingSettings:
    settings, _created = MarketingSettings.objects.select_for_update().get_or_create(store=store)
    if banned_words is not None:
        settings.banned_words = list(
            dict.fromkeys(clean_text(word) for word in banned_words if clean_text(word))
        )
    if sms_opt_out_en is not None:
        settings.sms_opt_out_en = clean_text(sms_opt_out_en)
    if sms_opt_out_zh is not None:
        settings.sms_opt_out_zh = clean_text(sms_opt_out_zh)
    if sms_sender is not None:
        settings.sms_sender = clean_text(sms_sender)
    settings.save()
    audit_record(actor=actor, action="marketing.settings_updated", store=store, target=settings)
    return settings
