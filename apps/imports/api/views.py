"""The import API, the same for every target: each module mounts it under its own path.

path("stores/<int:store_id>/catalog/imports/", ImportListCreateApi.as_view(target="catalog.products"))
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.imports import exporting, selectors, services
from apps.imports.models import DataImport, ImportRowError

from . import serializers as s


class ImportTargetMixin(StoreScopedMixin):
    target: ClassVar[str] = ""

    def get_import(self, import_id: Any) -> DataImport:
        return selectors.import_get(store=self.store, target=self.target, import_id=import_id)


class ImportListCreateApi(ImportTargetMixin, generics.ListAPIView):
    queryset = DataImport.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.ImportOutputSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[DataImport]:
        return selectors.import_list(store=self.store, target=self.target)

    @extend_schema(
        request={"multipart/form-data": s.ImportCreateInputSerializer},
        responses={201: s.ImportOutputSerializer},
        summary="Upload a CSV or XLSX file",
        description="Detects the format, encoding and delimiter, reads a preview and proposes a column "
        "mapping. Nothing is imported until the import is started.",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.ImportCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data_import = services.import_create(
            store=self.store, target=self.target, upload=data.validated_data["file"], actor=self.actor
        )
        return Response(s.ImportOutputSerializer(data_import).data, status=status.HTTP_201_CREATED)


class ImportDetailApi(ImportTargetMixin, APIView):
    @extend_schema(responses=s.ImportOutputSerializer, summary="An import with its preview and counts")
    def get(self, request: Request, store_id: int, import_id: int) -> Response:
        return Response(s.ImportOutputSerializer(self.get_import(import_id)).data)

    @extend_schema(
        request=s.ImportUpdateInputSerializer,
        responses=s.ImportOutputSerializer,
        summary="Override the detected encoding, delimiter, file format (profile) or column mapping",
    )
    def patch(self, request: Request, store_id: int, import_id: int) -> Response:
        data = s.ImportUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        data_import = services.import_set_options(
            data_import=self.get_import(import_id),
            actor=self.actor,
            encoding=fields.get("encoding"),
            delimiter=fields.get("delimiter"),
            mapping=fields.get("column_mapping"),
            profile=fields.get("profile"),
        )
        return Response(s.ImportOutputSerializer(data_import).data)


class ImportStartApi(ImportTargetMixin, APIView):
    @extend_schema(
        request=s.ImportStartInputSerializer,
        responses={202: s.ImportOutputSerializer},
        summary="Validate every row and import the good ones as a job",
        description="Rows with errors are reported (see errors/) and skipped; the others are written by a "
        "job whose progress is at /jobs/{job}/.",
    )
    def post(self, request: Request, store_id: int, import_id: int) -> Response:
        data = s.ImportStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data_import = services.import_start(
            data_import=self.get_import(import_id),
            actor=self.actor,
            mapping=data.validated_data.get("column_mapping"),
        )
        return Response(s.ImportOutputSerializer(data_import).data, status=status.HTTP_202_ACCEPTED)


class ImportErrorListApi(ImportTargetMixin, generics.ListAPIView):
    """Why each rejected row was not imported: row number (the header is row 1), column and reason."""

    queryset = ImportRowError.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.ImportRowErrorOutputSerializer

    def get_queryset(self) -> QuerySet[ImportRowError]:
        return selectors.import_row_error_list(data_import=self.get_import(self.kwargs["import_id"]))


class ImportErrorFileApi(ImportTargetMixin, APIView):
    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="The rejected rows as a CSV file, with the reason for each",
    )
    def get(self, request: Request, store_id: int, import_id: int) -> StreamingHttpResponse:
        return exporting.import_errors_csv(self.get_import(import_id))


def import_api_urls(*, prefix: str, target: str, name: str) -> list[Any]:
    """The five import routes of a target under ``prefix`` (e.g. "stores/<int:store_id>/catalog")."""
    from django.urls import path

    return [
        path(f"{prefix}/imports/", ImportListCreateApi.as_view(target=target), name=f"{name}-import-list"),
        path(
            f"{prefix}/imports/<int:import_id>/",
            ImportDetailApi.as_view(target=target),
            name=f"{name}-import-detail",
        ),
        path(
            f"{prefix}/imports/<int:import_id>/start/",
            ImportStartApi.as_view(target=target),
            name=f"{name}-import-start",
        ),
        path(
            f"{prefix}/imports/<int:import_id>/errors/",
            ImportErrorListApi.as_view(target=target),
            name=f"{name}-import-errors",
        ),
        path(
            f"{prefix}/imports/<int:import_id>/errors/download/",
            ImportErrorFileApi.as_view(target=target),
            name=f"{name}-import-error-file",
        ),
    ]
