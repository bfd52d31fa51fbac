"""The import pages, the same for every target: each module mounts them with ``import_page_urls``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from apps.accounts.actor import Actor
from apps.accounts.dashboard import dashboard_store
from apps.accounts.models import Role
from apps.core.errors import ApplicationError
from apps.jobs.selectors import job_progress

from . import conf, exporting, selectors, services
from .forms import ImportUploadForm
from .models import DataImport
from .targets import ATTRIBUTE_PREFIX, PLATFORM_PREFIX, get_import_target

ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "cp1252", "latin-1"]


@login_required
def import_list_page(request: HttpRequest, store_id: int, target: str) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    spec = get_import_target(target)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        dashboard_store(request, store_id, role=Role.OPERATOR)
        if form.is_valid():
            try:
                data_import = services.import_create(
                    store=store,
                    target=target,
                    upload=form.cleaned_data["file"],
                    actor=Actor.from_request(request),
                )
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                return redirect(
                    f"{spec.dashboard_namespace}:import", store_id=store.pk, import_id=data_import.pk
                )
    return render(
        request,
        spec.list_template,
        {
            "store": store,
            "membership": membership,
            "form": form,
            "imports": selectors.import_list(store=store, target=target)[:50],
            "max_mb": conf.max_bytes() // 1_048_576,
            "target": spec,
        },
    )


def _mapping_from_post(request: HttpRequest, data_import: DataImport) -> dict[str, str]:
    mapping = {}
    for index, header in enumerate(data_import.headers):
        choice = request.POST.get(f"map-{index}", "ignore")
        if choice == "attribute":
            choice = f"{ATTRIBUTE_PREFIX}{header}"
        elif choice == "platform":
            choice = f"{PLATFORM_PREFIX}{header}"
        mapping[header] = choice
    return mapping


@login_required
def import_detail_page(request: HttpRequest, store_id: int, import_id: int, target: str) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    spec = get_import_target(target)
    data_import = selectors.import_get(store=store, target=target, import_id=import_id)
    if request.method == "POST":
        dashboard_store(request, store_id, role=Role.OPERATOR)
        actor = Actor.from_request(request)
        try:
            if request.POST.get("action") == "reread":
                services.import_set_options(
                    data_import=data_import,
                    actor=actor,
                    encoding=request.POST.get("encoding") or None,
                    delimiter=request.POST.get("delimiter") or None,
                    profile=request.POST.get("profile") or None,
                )
            else:
                services.import_start(
                    data_import=data_import, actor=actor, mapping=_mapping_from_post(request, data_import)
                )
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect(f"{spec.dashboard_namespace}:import", store_id=store.pk, import_id=data_import.pk)
    columns: list[dict[str, Any]] = []
    for index, header in enumerate(data_import.headers):
        mapped = data_import.column_mapping.get(header, "ignore")
        columns.append(
            {
                "index": index,
                "header": header,
                "target": "attribute"
                if mapped.startswith(ATTRIBUTE_PREFIX)
                else "platform"
                if mapped.startswith(PLATFORM_PREFIX)
                else mapped,
                "samples": [row[index] for row in data_import.preview_rows[:3] if index < len(row)],
            }
        )
    return render(
        request,
        spec.detail_template,
        {
            "store": store,
            "membership": membership,
            "import": data_import,
            "columns": columns,
            "targets": [(field.name, field.label) for field in spec.fields],
            "target": spec,
            "errors": selectors.import_row_error_list(data_import=data_import)[:200],
            "job": data_import.job,
            "progress": job_progress(job=data_import.job) if data_import.job else None,
            "encodings": ENCODINGS,
            "profiles": spec.profile_choices(),
            "uploaded": data_import.status == DataImport.Status.UPLOADED,
        },
    )


@login_required
def import_errors_download(
    request: HttpRequest, store_id: int, import_id: int, target: str
) -> StreamingHttpResponse:
    store, _membership = dashboard_store(request, store_id)
    return exporting.import_errors_csv(selectors.import_get(store=store, target=target, import_id=import_id))


def import_page_urls(*, prefix: str, target: str) -> list[URLPattern]:
    """The import pages of a target under ``prefix`` (e.g. "s/<int:store_id>/catalog"), in its namespace."""
    kwargs = {"target": target}
    return [
        path(f"{prefix}/imports/", import_list_page, kwargs, name="imports"),
        path(f"{prefix}/imports/<int:import_id>/", import_detail_page, kwargs, name="import"),
        path(
            f"{prefix}/imports/<int:import_id>/errors.csv",
            import_errors_download,
            kwargs,
            name="import-errors",
        ),
    ]
