from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.jobs import selectors, services
from apps.jobs.models import Job, JobItem

from .serializers import JobItemOutputSerializer, JobOutputSerializer


class JobListApi(StoreScopedMixin, generics.ListAPIView):
    queryset = Job.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = JobOutputSerializer
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at", "finished_at"]

    def get_queryset(self) -> QuerySet[Job]:
        return selectors.job_list(store=self.store)


class JobDetailApi(StoreScopedMixin, APIView):
    @extend_schema(responses=JobOutputSerializer, summary="A job with its progress")
    def get(self, request: Request, store_id: int, job_id: int) -> Response:
        return Response(JobOutputSerializer(selectors.job_get(store=self.store, job_id=job_id)).data)


class JobItemListApi(StoreScopedMixin, generics.ListAPIView):
    """A job's items; ``?status=failed`` lists the per-item errors."""

    queryset = JobItem.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = JobItemOutputSerializer
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[JobItem]:
        return selectors.job_item_list(job=selectors.job_get(store=self.store, job_id=self.kwargs["job_id"]))


class JobCancelApi(StoreScopedMixin, APIView):
    @extend_schema(request=None, responses=JobOutputSerializer, summary="Cancel a queued or running job")
    def post(self, request: Request, store_id: int, job_id: int) -> Response:
        job = services.job_cancel(job=selectors.job_get(store=self.store, job_id=job_id), actor=self.actor)
        return Response(JobOutputSerializer(job).data)


class JobRetryApi(StoreScopedMixin, APIView):
    @extend_schema(request=None, responses=JobOutputSerializer, summary="Queue a job's failed items again")
    def post(self, request: Request, store_id: int, job_id: int) -> Response:
        job = services.job_retry(job=selectors.job_get(store=self.store, job_id=job_id), actor=self.actor)
        return Response(JobOutputSerializer(job).data)
