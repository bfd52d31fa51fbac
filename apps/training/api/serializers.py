from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.reviews.models import Sentiment
from apps.training.engine.config import RunConfig
from apps.training.models import (
    Activation,
    DatasetExample,
    Kind,
    ModelVersion,
    TrainingDataset,
    TrainingRun,
)
from apps.training.services.datasets import DatasetOptions
from apps.training.services.runs import run_config

# The kinds a store is served from (continued pretraining only feeds a generator run).
SERVED_KINDS = [
    (Kind.SENTIMENT.value, Kind.SENTIMENT.label),
    (Kind.DESCRIPTION.value, Kind.DESCRIPTION.label),
]


class DatasetCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    name = serializers.CharField(max_length=200, required=False, default="")
    label_source = serializers.ChoiceField(
        choices=TrainingDataset.LabelSource.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Sentiment only, required there: a person's labels, or star ratings mapped to sentiment.",
    )
    seed = serializers.IntegerField(required=False, default=13)
    min_length = serializers.IntegerField(required=False, default=3, min_value=1, max_value=1000)
    max_length = serializers.IntegerField(required=False, default=2000, min_value=10, max_value=100000)
    near_duplicate_threshold = serializers.FloatField(
        required=False, default=0.85, min_value=0.5, max_value=1.0
    )

    def options(self) -> DatasetOptions:
        return DatasetOptions(**self.validated_data)


class DatasetOutputSerializer(serializers.ModelSerializer):
    size = serializers.IntegerField(read_only=True)

    class Meta:
        model = TrainingDataset
        fields = [
            "id",
            "kind",
            "name",
            "label_source",
            "options",
            "report",
            "split_counts",
            "label_balance",
            "content_sha256",
            "size",
            "created_at",
        ]


class ExampleSerializer(serializers.ModelSerializer):
    class Meta:
        model = DatasetExample
        fields = ["split", "position", "text", "target", "label", "source"]


class DatasetDetailSerializer(DatasetOutputSerializer):
    preview = serializers.SerializerMethodField(help_text="The first examples of each split.")

    class Meta(DatasetOutputSerializer.Meta):
        fields = [*DatasetOutputSerializer.Meta.fields, "preview"]

    def get_preview(self, dataset: TrainingDataset) -> dict[str, Any]:
        from apps.training.selectors import dataset_preview

        return {
            split: ExampleSerializer(rows, many=True).data
            for split, rows in dataset_preview(dataset=dataset).items()
        }


class LabelInputSerializer(serializers.Serializer):
    review_id = serializers.IntegerField()
    label = serializers.ChoiceField(choices=Sentiment.choices)  # type: ignore[assignment]  # a field named label


class RunCreateSerializer(serializers.Serializer):
    dataset_id = serializers.IntegerField()
    base_model = serializers.CharField(required=False, default="", help_text="A registered model key.")
    base_version_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Description runs: a continued-pretraining version to build on.",
    )
    epochs = serializers.FloatField(required=False, min_value=0.01, max_value=100)
    max_steps = serializers.IntegerField(required=False, min_value=-1, max_value=1_000_000)
    batch_size = serializers.IntegerField(required=False, min_value=1, max_value=512)
    learning_rate = serializers.FloatField(required=False, min_value=1e-7, max_value=1e-1)
    max_length = serializers.IntegerField(required=False, min_value=8, max_value=4096)
    eval_steps = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    logging_steps = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    early_stopping_patience = serializers.IntegerField(required=False, min_value=1, max_value=100)
    lora_r = serializers.IntegerField(required=False, min_value=1, max_value=256)
    top_layers = serializers.IntegerField(required=False, min_value=1, max_value=64)
    method = serializers.ChoiceField(
        required=False,
        choices=["top", "lora", "full"],
        help_text="Sentiment runs: the top layers and the head on the frozen bottom's cached output (top), "
        "a LoRA adapter and the head (lora), or every weight (full).",
    )

    def config(self, kind: str) -> RunConfig:
        given = {
            name: value
            for name, value in self.validated_data.items()
            if name in RunConfig.__dataclass_fields__
        }
        return run_config(kind, given)


class RunOutputSerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "kind",
            "dataset",
            "base_model",
            "base_version",
            "hyperparameters",
            "status",
            "job",
            "progress",
            "history",
            "evaluation",
            "error",
            "train_seconds",
            "version",
            "created_at",
            "finished_at",
        ]

    def get_version(self, run: TrainingRun) -> int | None:
        version = getattr(run, "version", None)
        return version.pk if version is not None else None


class VersionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "kind",
            "number",
            "key",
            "run",
            "base_model",
            "parent",
            "dataset",
            "adapter",
            "path",
            "files",
            "hyperparameters",
            "metrics",
            "proposed",
            "created_at",
        ]


class ActivationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Activation
        fields = ["id", "kind", "version", "created_at"]


class RollbackInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SERVED_KINDS)


class ActivateInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SERVED_KINDS)
