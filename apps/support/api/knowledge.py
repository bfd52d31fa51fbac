"""Knowledge base API: documents (paste or upload) and their versions, FAQ entries, re-index, search."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.jobs.api.serializers import JobOutputSerializer
from apps.support import selectors
from apps.support.models import DocumentVersion, FaqEntry, KnowledgeDocument
from apps.support.services import knowledge, retrieval

from . import serializers as s

PASTE_NAMES = {"text": "pasted.txt", "markdown": "pasted.md", "html": "pasted.html"}


def pasted_content(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data["text"].encode("utf-8"), "filename": PASTE_NAMES[data.get("format") or "markdown"]}


def uploaded_content(data: dict[str, Any]) -> dict[str, Any]:
    upload = data["file"]
    return {
        "data": upload.read(),
        "filename": upload.name or "upload",
        "content_type": getattr(upload, "content_type", "") or "",
    }


class DocumentListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = KnowledgeDocument.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.DocumentOutputSerializer

    def get_queryset(self) -> QuerySet[KnowledgeDocument]:
        return selectors.document_list(store=self.store)

    @extend_schema(
        request=s.DocumentTextInputSerializer,
        responses={201: s.DocumentOutputSerializer},
        summary="Add a pasted document (text, Markdown or HTML); indexed by a job",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.DocumentTextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = knowledge.document_create(
            store=self.store,
            actor=self.actor,
            title=data.validated_data.get("title", ""),
            language=data.validated_data.get("language", ""),
            **pasted_content(data.validated_data),
        )
        return Response(
            s.DocumentOutputSerializer(
                selectors.document_get(store=self.store, document_id=document.pk)
            ).data,
            status=status.HTTP_201_CREATED,
        )


class DocumentUploadApi(StoreScopedMixin, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.DocumentFileInputSerializer},
        responses={201: s.DocumentOutputSerializer},
        summary="Upload a document (TXT, Markdown, HTML, PDF, DOCX); indexed by a job",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.DocumentFileInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = knowledge.document_create(
            store=self.store, actor=self.actor, **uploaded_content(data.validated_data)
        )
        return Response(
            s.DocumentOutputSerializer(
                selectors.document_get(store=self.store, document_id=document.pk)
            ).data,
            status=status.HTTP_201_CREATED,
        )


class DocumentVersionUploadApi(StoreScopedMixin, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.DocumentFileInputSerializer},
        responses=s.DocumentOutputSerializer,
        summary="Upload a new version of a document (re-indexed by a job)",
        operation_id="stores_support_documents_version_upload",
    )
    def post(self, request: Request, store_id: int, document_id: int) -> Response:
        document = selectors.document_get(store=self.store, document_id=document_id)
        data = s.DocumentFileInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        knowledge.document_update(
            document=document, actor=self.actor, **uploaded_content(data.validated_data)
        )
        return Response(
            s.DocumentOutputSerializer(selectors.document_get(store=self.store, document_id=document_id)).data
        )


class DocumentDetailApi(StoreScopedMixin, APIView):
    def _document(self, document_id: int) -> KnowledgeDocument:
        return selectors.document_get(store=self.store, document_id=document_id)

    @extend_schema(responses=s.DocumentOutputSerializer, summary="A document")
    def get(self, request: Request, store_id: int, document_id: int) -> Response:
        return Response(s.DocumentOutputSerializer(self._document(document_id)).data)

    @extend_schema(
        request=s.DocumentTextInputSerializer,
        responses=s.DocumentOutputSerializer,
        summary="Rename a document or give it new text (a new version, re-indexed by a job)",
    )
    def patch(self, request: Request, store_id: int, document_id: int) -> Response:
        document = self._document(document_id)
        data = s.DocumentTextInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        knowledge.document_update(
            document=document,
            actor=self.actor,
            title=data.validated_data.get("title"),
            language=data.validated_data.get("language"),
            **(pasted_content(data.validated_data) if "text" in data.validated_data else {}),
        )
        return Response(s.DocumentOutputSerializer(self._document(document_id)).data)

    @extend_schema(responses={204: None}, summary="Delete a document and its chunks")
    def delete(self, request: Request, store_id: int, document_id: int) -> Response:
        knowledge.document_delete(document=self._document(document_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentVersionListApi(StoreScopedMixin, generics.ListAPIView):
    queryset = DocumentVersion.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.DocumentVersionSerializer

    def get_queryset(self) -> QuerySet[Any]:
        document = selectors.document_get(store=self.store, document_id=self.kwargs["document_id"])
        return document.versions.all()


class FaqListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = FaqEntry.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.FaqSerializer

    def get_queryset(self) -> QuerySet[FaqEntry]:
        return selectors.faq_list(store=self.store)

    @extend_schema(request=s.FaqSerializer, responses={201: s.FaqSerializer}, summary="Add an FAQ entry")
    def post(self, request: Request, store_id: int) -> Response:
        data = s.FaqSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = knowledge.faq_create(store=self.store, actor=self.actor, **data.validated_data)
        return Response(s.FaqSerializer(entry).data, status=status.HTTP_201_CREATED)


class FaqDetailApi(StoreScopedMixin, APIView):
    def _entry(self, faq_id: int) -> FaqEntry:
        return selectors.faq_get(store=self.store, faq_id=faq_id)

    @extend_schema(responses=s.FaqSerializer, summary="An FAQ entry")
    def get(self, request: Request, store_id: int, faq_id: int) -> Response:
        return Response(s.FaqSerializer(self._entry(faq_id)).data)

    @extend_schema(request=s.FaqSerializer, responses=s.FaqSerializer, summary="Update an FAQ entry")
    def patch(self, request: Request, store_id: int, faq_id: int) -> Response:
        data = s.FaqSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        entry = knowledge.faq_update(entry=self._entry(faq_id), actor=self.actor, **data.validated_data)
        return Response(s.FaqSerializer(entry).data)

    @extend_schema(responses={204: None}, summary="Delete an FAQ entry")
    def delete(self, request: Request, store_id: int, faq_id: int) -> Response:
        knowledge.faq_delete(entry=self._entry(faq_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReindexApi(StoreScopedMixin, APIView):
    api_error_statuses: ClassVar = {"POST": (400,)}

    @extend_schema(
        request=None, responses={202: JobOutputSerializer}, summary="Re-index the whole knowledge base"
    )
    def post(self, request: Request, store_id: int) -> Response:
        job = knowledge.knowledge_reindex_all(store=self.store, actor=self.actor)
        return Response(JobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class SearchApi(StoreScopedMixin, APIView):
    """What retrieval finds for a question, with the scores: for checking the knowledge base."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="The question (empty: no hits).")],
        responses=s.SearchHitSerializer(many=True),
        summary="What retrieval finds for a question (scores, and whether a hit supports an answer)",
    )
    def get(self, request: Request, store_id: int) -> Response:
        query = s.SearchInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if not query.validated_data["q"]:
            return Response([])  # nothing asked, nothing found
        retriever, hits = retrieval.search(store=self.store, question=query.validated_data["q"], k=5)
        chunks = {
            chunk.pk: chunk
            for chunk in selectors.chunk_list(store=self.store).filter(pk__in=[hit.chunk_id for hit in hits])
        }
        return Response(
            [
                {
                    **s.ChunkSerializer(chunks[int(hit.chunk_id)]).data,
                    "score": hit.score,
                    "dense": hit.dense,
                    "keyword": hit.keyword,
                    "supports": retriever.supports(hit),
                }
                for hit in hits
                if int(hit.chunk_id) in chunks
            ]
        )
