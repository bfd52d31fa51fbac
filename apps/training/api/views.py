"""Training API: datasets, labels, runs (start, progress, cancel), versions, activation and rollback."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.accounts.models import Role
from apps.reviews.selectors import review_get
from apps.training import selectors
from apps.training.models import ModelVersion, TrainingDataset, TrainingRun
from apps.training.services import datasets, runs, versions

from . import serializers as s


class DatasetListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = TrainingDataset.objects.none()
    serializer_class = s.DatasetOutputSerializer

    def get_queryset(self) -> QuerySet[TrainingDataset]:
        return selectors.dataset_list(store=self.store)

    @extend_schema(
        request=s.DatasetCreateSerializer,
        responses={201: s.DatasetDetailSerializer},
        summary="Build a dataset from the store's data: cleaned, split and frozen",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.DatasetCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dataset = datasets.dataset_build(store=self.store, actor=self.actor, options=data.options())
        return Response(s.DatasetDetailSerializer(dataset).data, status=status.HTTP_201_CREATED)


class DatasetDetailApi(StoreScopedMixin, APIView):
    @extend_schema(responses=s.DatasetDetailSerializer, summary="A dataset: counts, label balance, preview")
    def get(self, request: Request, store_id: int, dataset_id: int) -> Response:
        return Response(
            s.DatasetDetailSerializer(selectors.dataset_get(store=self.store, dataset_id=dataset_id)).data
        )


class ReviewLabelApi(StoreScopedMixin, APIView):
    @extend_schema(
        request=s.LabelInputSerializer, responses={200: s.LabelInputSerializer}, summary="Label a review"
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.LabelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = review_get(store=self.store, review_id=data.validated_data["review_id"])
        row = datasets.review_label_set(
            store=self.store, review=review, label=data.validated_data["label"], actor=self.actor
        )
        return Response({"review_id": row.review_id, "label": row.label})


class RunListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = TrainingRun.objects.none()
    serializer_class = s.RunOutputSerializer
    api_error_statuses: ClassVar[dict[str, tuple[int, ...]]] = {"POST": (409, 429)}

    def get_queryset(self) -> QuerySet[TrainingRun]:
        return selectors.run_list(store=self.store).select_related("version")

    @extend_schema(
        request=s.RunCreateSerializer, responses={202: s.RunOutputSerializer}, summary="Start a training run"
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.RunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dataset = selectors.dataset_get(store=self.store, dataset_id=data.validated_data["dataset_id"])
        base_version_id = data.validated_data.get("base_version_id")
        base_version = (
            selectors.version_get(store=self.store, version_id=base_version_id) if base_version_id else None
        )
        run = runs.run_start(
            store=self.store,
            actor=self.actor,
            dataset=dataset,
            config=data.config(dataset.kind),
            base_model=data.validated_data["base_model"],
            base_version=base_version,
        )
        return Response(s.RunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunDetailApi(StoreScopedMixin, APIView):
    @extend_schema(responses=s.RunOutputSerializer, summary="A run: progress, loss history, evaluation")
    def get(self, request: Request, store_id: int, run_id: int) -> Response:
        return Response(s.RunOutputSerializer(selectors.run_get(store=self.store, run_id=run_id)).data)


class RunCancelApi(StoreScopedMixin, APIView):
    @extend_schema(request=None, responses=s.RunOutputSerializer, summary="Cancel a queued or running run")
    def post(self, request: Request, store_id: int, run_id: int) -> Response:
        run = runs.run_cancel(run=selectors.run_get(store=self.store, run_id=run_id), actor=self.actor)
        return Response(s.RunOutputSerializer(run).data)


class VersionListApi(StoreScopedMixin, generics.ListAPIView):
    queryset = ModelVersion.objects.none()
    serializer_class = s.VersionOutputSerializer

    def get_queryset(self) -> QuerySet[ModelVersion]:
        return selectors.version_list(store=self.store)


class VersionDetailApi(StoreScopedMixin, APIView):
    @extend_schema(
        responses=s.VersionOutputSerializer, summary="A model version with its metrics and checksums"
    )
    def get(self, request: Request, store_id: int, version_id: int) -> Response:
        return Response(
            s.VersionOutputSerializer(selectors.version_get(store=self.store, version_id=version_id)).data
        )


class VersionActivateApi(StoreScopedMixin, APIView):
    write_role = Role.OWNER

    @extend_schema(
        request=None, responses=s.ActivationOutputSerializer, summary="Serve this version for the store"
    )
    def post(self, request: Request, store_id: int, version_id: int) -> Response:
        version = selectors.version_get(store=self.store, version_id=version_id)
        activation = versions.version_activate(
            store=self.store, version=version, kind=version.kind, actor=self.actor
        )
        return Response(s.ActivationOutputSerializer(activation).data)


class ActiveApi(StoreScopedMixin, APIView):
    @extend_schema(
        responses=dict[str, Any], summary="The version each kind is served from (null: the default)"
    )
    def get(self, request: Request, store_id: int) -> Response:
        active = selectors.active_versions(store=self.store)
        return Response({kind: (version.key if version else None) for kind, version in active.items()})


class DefaultActivateApi(StoreScopedMixin, APIView):
    write_role = Role.OWNER

    @extend_schema(
        request=s.ActivateInputSerializer,
        responses=s.ActivationOutputSerializer,
        summary="Serve the default model again for a kind",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.ActivateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activation = versions.version_activate(
            store=self.store, version=None, kind=data.validated_data["kind"], actor=self.actor
        )
        return Response(s.ActivationOutputSerializer(activation).data)


class RollbackApi(StoreScopedMixin, APIView):
    write_role = Role.OWNER

    @extend_schema(
        request=s.RollbackInputSerializer,
        responses=s.ActivationOutputSerializer,
        summary="Serve what was active before the latest activation",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.RollbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activation = versions.version_rollback(
            store=self.store, kind=data.validated_data["kind"], actor=self.actor
        )
        return Response(s.ActivationOutputSerializer(activation).data)
