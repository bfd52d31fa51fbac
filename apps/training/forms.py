"""Dashboard forms of the model loop: building a dataset, starting a run."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .engine.config import RunConfig
from .models import Kind, ModelVersion, TrainingDataset
from .services.datasets import DatasetOptions
from .services.runs import run_config


class DatasetForm(forms.Form):
    kind = forms.ChoiceField(label=_("For"), choices=Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    label_source = forms.ChoiceField(
        label=_("Sentiment labels from"),
        required=False,
        choices=[("", _("(not a sentiment dataset)")), *TrainingDataset.LabelSource.choices[:2]],
        help_text=_("Choose explicitly: the labels people gave, or the star ratings mapped to sentiment."),
    )
    seed = forms.IntegerField(label=_("Split seed"), initial=13)
    min_length = forms.IntegerField(
        label=_("Drop texts shorter than (words or characters)"), initial=3, min_value=1
    )
    max_length = forms.IntegerField(
        label=_("Drop texts longer than (characters)"), initial=2000, min_value=10
    )

    def options(self) -> DatasetOptions:
        return DatasetOptions(**self.cleaned_data)


class RunForm(forms.Form):
    dataset = forms.ModelChoiceField(label=_("Dataset"), queryset=TrainingDataset.objects.none())
    base_version = forms.ModelChoiceField(
        label=_("Build on (continued pretraining)"), queryset=ModelVersion.objects.none(), required=False
    )
    epochs = forms.FloatField(label=_("Epochs"), initial=3, min_value=0.01, max_value=100)
    learning_rate = forms.FloatField(label=_("Learning rate"), required=False, min_value=1e-7, max_value=0.1)
    batch_size = forms.IntegerField(label=_("Batch size"), required=False, min_value=1, max_value=512)
    method = forms.ChoiceField(
        label=_("Sentiment classifier: train"),
        required=False,
        choices=[
            ("top", _("the top layers and the head (fastest)")),
            ("lora", _("a LoRA adapter and the head")),
            ("full", _("every weight")),
        ],
        initial="top",
    )

    def __init__(self, *args: Any, store: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = TrainingDataset.objects.filter(store=store)  # type: ignore[attr-defined]
        self.fields["base_version"].queryset = ModelVersion.objects.filter(  # type: ignore[attr-defined]
            store=store, kind=Kind.PRETRAIN
        )

    def config(self, kind: str) -> RunConfig:
        given = {
            name: self.cleaned_data[name]
            for name in ("epochs", "learning_rate", "batch_size", "method")
            if self.cleaned_data.get(name) not in (None, "")
        }
        return run_config(kind, given)
