"""A store's model loop: labels, frozen datasets, training runs, model versions and their activation."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.reviews.models import Sentiment


class Kind(models.TextChoices):
    SENTIMENT = "sentiment", _("Sentiment classifier")
    DESCRIPTION = "description", _("Description generator")
    PRETRAIN = "pretrain", _("Continued pretraining")


class ReviewLabel(models.Model):
    """The sentiment a person gave a review: what the store's classifier learns from."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    review = models.OneToOneField("reviews.Review", on_delete=models.CASCADE, related_name="human_label")
    label = models.CharField(max_length=16, choices=Sentiment.choices)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["store", "label"])]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.label}"


class TrainingDataset(models.Model):
    """A frozen snapshot of examples built from the store's data: cleaned, split, fingerprinted."""

    class LabelSource(models.TextChoices):
        HUMAN = "human", _("A person's label")
        STARS = "stars", _("Star rating (1-2 negative, 3 neutral, 4-5 positive)")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="training_datasets")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=200)
    label_source = models.CharField(max_length=8, choices=LabelSource.choices, blank=True)
    options = models.JSONField(default=dict, blank=True, help_text="Cleaning and split options.")
    report = models.JSONField(default=dict, blank=True, help_text="What cleaning dropped or redacted.")
    split_counts = models.JSONField(default=dict, blank=True)
    label_balance = models.JSONField(default=dict, blank=True, help_text="Per split: examples per label.")
    content_sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["store", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @property
    def size(self) -> int:
        return int(sum(self.split_counts.values())) if self.split_counts else 0


class DatasetExample(models.Model):
    dataset = models.ForeignKey(TrainingDataset, on_delete=models.CASCADE, related_name="examples")
    split = models.CharField(max_length=8)
    position = models.PositiveIntegerField()
    text = models.TextField()
    target = models.TextField(blank=True)
    label = models.CharField(max_length=16, blank=True)
    source = models.CharField(max_length=64, blank=True)
    meta = models.JSONField(default=dict, blank=True, help_text="e.g. a product's facts, for the checks.")

    class Meta:
        ordering: ClassVar = ["dataset_id", "split", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["dataset", "split", "position"], name="datasetexample_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id}/{self.split}/{self.position}"


class TrainingRun(models.Model):
    """One fine-tune of a base model on a dataset, run as a Job on the training queue."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        EVALUATING = "evaluating", _("Evaluating")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="training_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    dataset = models.ForeignKey(TrainingDataset, on_delete=models.PROTECT, related_name="runs")
    base_model = models.CharField(max_length=100, help_text="The registered model the run starts from.")
    base_version = models.ForeignKey(
        "ModelVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A continued-pretraining version the run builds on.",
    )
    hyperparameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    progress = models.JSONField(
        default=dict, blank=True, help_text="step, total steps, epoch, learning rate, ETA, resumed count."
    )
    history = models.JSONField(
        default=list, blank=True, help_text="Logged points: step, loss, eval_loss, lr."
    )
    error = models.TextField(blank=True)
    evaluation = models.JSONField(default=dict, blank=True)
    train_seconds = models.FloatField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["store", "-created_at"])]

    def __str__(self) -> str:
        return f"run #{self.pk} {self.kind}"


class ModelVersion(models.Model):
    """What a finished run registered: weights (or an adapter) under MODELS_CACHE, with checksums."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="model_versions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    number = models.PositiveIntegerField()
    key = models.CharField(max_length=100, unique=True, help_text="The inference registry key.")
    run = models.OneToOneField(TrainingRun, on_delete=models.PROTECT, related_name="version")
    base_model = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The continued-pretraining version whose adapter is merged below this one's.",
    )
    dataset = models.ForeignKey(TrainingDataset, on_delete=models.PROTECT, related_name="+")
    adapter = models.BooleanField(default=False, help_text="A LoRA adapter on the base model's weights.")
    path = models.CharField(max_length=300, help_text="Folder relative to MODELS_CACHE.")
    files = models.JSONField(default=dict, help_text="sha256 of each file, by relative path.")
    hyperparameters = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    proposed = models.BooleanField(
        default=False, help_text="It beat the active version on the held-out split."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["store", "kind", "number"], name="modelversion_unique_number"),
        ]

    def __str__(self) -> str:
        return self.key


class Activation(models.Model):
    """One change of the version a store uses for a kind; the latest row per (store, kind) is in force.

    ``version`` null means the default model. Rolling back activates what was in force before.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["store", "kind", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.store_id} {self.kind} -> {self.version_id}"
