"""Dashboard forms of reviews: filters, custom aspects, settings, reply edits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Language, ReviewSettings, Sentiment
from .selectors import ReviewFilters


class FilterForm(forms.Form):
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    sku = forms.CharField(required=False, max_length=64, label=_("SKU"))
    language = forms.ChoiceField(
        required=False,
        choices=[("", _("Any language")), *Language.choices],
        widget=forms.Select(attrs={"aria-label": _("Language")}),
    )
    sentiment = forms.ChoiceField(
        required=False,
        choices=[("", _("Any sentiment")), *Sentiment.choices],
        widget=forms.Select(attrs={"aria-label": _("Sentiment")}),
    )
    aspect = forms.CharField(required=False, max_length=64, label=_("Aspect"))
    mismatch = forms.BooleanField(required=False, label=_("Rating and text disagree"))
    search = forms.CharField(required=False, max_length=200, label=_("Search"))

    def filters(self) -> ReviewFilters:
        """The valid filters; an invalid one (a malformed date) is left out rather than failing the page."""
        if not self.is_bound:
            return ReviewFilters()
        self.is_valid()  # cleaned_data keeps the fields that are valid
        return ReviewFilters(**{name: value for name, value in self.cleaned_data.items() if value})


class CustomAspectForm(forms.Form):
    name = forms.CharField(max_length=64, label=_("Name"))
    examples = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Example phrases"),
        help_text=_("One per line, in English or Chinese: “battery lasts all day”, “电池很耐用”."),
    )

    def example_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["examples"].splitlines() if line.strip()]


class ReviewSettingsForm(forms.ModelForm):
    webhook_url = forms.URLField(
        required=False, max_length=500, assume_scheme="https", label=_("Alert webhook URL")
    )
    webhook_secret = forms.CharField(
        required=False,
        max_length=128,
        label=_("Webhook secret"),
        help_text=_("Leave empty to keep the current one (a new store gets one generated)."),
        widget=forms.PasswordInput(render_value=False),
    )

    class Meta:
        model = ReviewSettings
        fields = [
            "policy_text",
            "webhook_url",
            "spike_window_days",
            "spike_baseline_days",
            "spike_min_reviews",
            "spike_alpha",
        ]
        labels: dict[str, Any] = {
            "policy_text": _("Returns, refunds and replacements policy"),
            "webhook_url": _("Alert webhook URL"),
            "spike_window_days": _("Recent window (days)"),
            "spike_baseline_days": _("Baseline (days before the window)"),
            "spike_min_reviews": _("Minimum reviews on each side"),
            "spike_alpha": _("Significance level"),
        }


class ReplyEditForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, label=_("Reply"))
