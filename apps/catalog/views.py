"""Catalog dashboard pages: products, imports, exports, descriptions and their review; thin over services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.actor import Actor
from apps.accounts.dashboard import dashboard_store
from apps.accounts.models import Role
from apps.core.errors import ApplicationError
from apps.jobs.selectors import job_progress

from . import description_services, exporting, importing, selectors, services
from .forms import BrandVoiceForm, GenerateForm, ImportUploadForm, ProductForm, ReviewForm
from .models import CatalogImport, DescriptionStatus, Language, Product

PAGE_SIZE = 50
FILTERS = ("status", "category", "language")


def _filters(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "") for name in FILTERS}


def _voices(store: Any) -> list[tuple[int, str]]:
    return list(selectors.brand_voice_list(store=store).values_list("pk", "name"))


@login_required
def product_list_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    search = request.GET.get("q", "").strip()
    filters = _filters(request)
    products = selectors.product_list(store=store, search=search, filters=filters).order_by("sku")
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/product_list.html",
        {
            "store": store,
            "membership": membership,
            "page": page,
            "search": search,
            "filters": filters,
            "categories": selectors.product_categories(store=store),
            "statuses": Product.Status.choices,
            "language_choices": Language.choices,
            "generate_form": GenerateForm(voices=_voices(store)),
            "query": request.GET.urlencode(),
            "drafts": selectors.description_list(store=store).filter(status=DescriptionStatus.DRAFT).count(),
        },
    )


@login_required
def product_edit_page(request: HttpRequest, store_id: int, product_id: int | None = None) -> HttpResponse:
    store, membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    product = selectors.product_get(store=store, product_id=product_id) if product_id else None
    initial = (
        ProductForm.initial_for(product)
        if product
        else {"language": store.default_language, "status": Product.Status.ACTIVE, "currency": store.currency}
    )
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        fields = {key: value for key, value in form.cleaned_data.items()}
        try:
            if product:
                product = services.product_update(product=product, actor=actor, **fields)
            else:
                product = services.product_create(store=store, actor=actor, **fields)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Product saved."))
            return redirect("catalog:product", store_id=store.pk, product_id=product.pk)
    return render(
        request,
        "catalog/product_edit.html",
        {"store": store, "membership": membership, "product": product, "form": form},
    )


@login_required
def product_detail_page(request: HttpRequest, store_id: int, product_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    product = selectors.product_get(store=store, product_id=product_id)
    descriptions = []
    for description in selectors.description_list(store=store).filter(product=product).order_by("language"):
        versions = list(selectors.description_version_list(description=description))
        descriptions.append({"description": description, "versions": versions})
    return render(
        request,
        "catalog/product_detail.html",
        {
            "store": store,
            "membership": membership,
            "product": product,
            "descriptions": descriptions,
            "generate_form": GenerateForm(voices=_voices(store), initial={"language": product.language}),
            "review_form": ReviewForm(),
        },
    )


@login_required
@require_POST
def product_delete_action(request: HttpRequest, store_id: int, product_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    product = selectors.product_get(store=store, product_id=product_id)
    services.product_delete(product=product, actor=Actor.from_request(request))
    messages.success(request, _("Product deleted."))
    return redirect("catalog:home", store_id=store.pk)


@login_required
@require_POST
def describe_stream_action(request: HttpRequest, store_id: int, product_id: int) -> HttpResponseBase:
    """Generates for one product and streams it to the page as NDJSON events."""
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    product = selectors.product_get(store=store, product_id=product_id)
    form = GenerateForm(request.POST, voices=_voices(store))
    if not form.is_valid():
        return HttpResponse(
            json.dumps({"error": form.errors.as_text()}) + "\n",
            status=400,
            content_type="application/x-ndjson",
        )
    events = description_services.description_generate_stream(
        product=product, actor=Actor.from_request(request), options=form.options()
    )
    response = StreamingHttpResponse(
        (json.dumps(event, ensure_ascii=False) + "\n" for event in events),
        content_type="application/x-ndjson",
    )
    response["X-Accel-Buffering"] = "no"
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_POST
def describe_bulk_action(request: HttpRequest, store_id: int) -> HttpResponse:
    """Bulk generation for the ticked products, or for every product matching the list's filters."""
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    form = GenerateForm(request.POST, voices=_voices(store))
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("catalog:home", store_id=store.pk)
    products = selectors.product_list(
        store=store,
        search=request.POST.get("q", "").strip(),
        filters={name: request.POST.get(name, "") for name in FILTERS},
    )
    if request.POST.get("scope") != "all":
        # isdecimal, not isdigit: "²" is a digit that int() refuses.
        products = products.filter(
            pk__in=[int(pk) for pk in request.POST.getlist("product") if pk.isdecimal() and len(pk) < 19]
        )
    try:
        job = description_services.descriptions_generate_bulk(
            store=store,
            actor=Actor.from_request(request),
            options=form.options(),
            products=products,
            batch_size=form.cleaned_data.get("batch_size") or description_services.DEFAULT_BATCH_SIZE,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("catalog:home", store_id=store.pk)
    return redirect("jobs:detail", store_id=store.pk, job_id=job.pk)


@login_required
@require_POST
def description_review_action(request: HttpRequest, store_id: int, description_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    description = selectors.description_get(store=store, description_id=description_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            version = description_services.description_review(
                description=description,
                actor=Actor.from_request(request),
                action=form.cleaned_data["action"],
                text=form.cleaned_data.get("text") or None,
                note=form.cleaned_data.get("note", ""),
                version_number=form.cleaned_data.get("version"),
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Version %(number)s is now %(status)s.")
                % {"number": version.number, "status": version.get_status_display()},
            )
    else:
        messages.error(request, form.errors.as_text())
    if request.POST.get("next") == "review":
        return redirect("catalog:review", store_id=store.pk)
    return redirect("catalog:product", store_id=store.pk, product_id=description.product_id)


@login_required
def review_queue_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    status = request.GET.get("status", DescriptionStatus.DRAFT)
    descriptions = selectors.description_list(store=store).filter(status=status).order_by("-updated_at")
    page = Paginator(descriptions, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/review.html",
        {
            "store": store,
            "membership": membership,
            "page": page,
            "status": status,
            "statuses": DescriptionStatus.choices,
        },
    )


@login_required
def description_diff_page(request: HttpRequest, store_id: int, description_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    numbers = {name: _version_number(request, name) for name in ("from", "to")}
    description = selectors.description_get(store=store, description_id=description_id)
    old = selectors.description_version_get(description=description, number=numbers["from"])
    new = selectors.description_version_get(description=description, number=numbers["to"])
    return render(
        request,
        "catalog/diff.html",
        {
            "store": store,
            "membership": membership,
            "description": description,
            "old": old,
            "new": new,
            "segments": description_services.description_diff(old=old, new=new),
        },
    )


def _version_number(request: HttpRequest, name: str) -> int:
    """A version number from the query string; anything else (``?from=abc``) is a 400 page, not a 500."""
    raw = request.GET.get(name, "")
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if not raw.isdecimal() or not 0 < int(raw) < 2**31:
        raise BadRequest(f"{name} must be a version number.")
    return int(raw)


@login_required
def import_list_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        dashboard_store(request, store_id, role=Role.OPERATOR)
        if form.is_valid():
            try:
                catalog_import = services.catalog_import_create(
                    store=store, upload=form.cleaned_data["file"], actor=Actor.from_request(request)
                )
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                return redirect("catalog:import", store_id=store.pk, import_id=catalog_import.pk)
    return render(
        request,
        "catalog/import_list.html",
        {
            "store": store,
            "membership": membership,
            "form": form,
            "imports": selectors.catalog_import_list(store=store)[:50],
            "max_mb": services.conf.import_max_bytes() // 1_048_576,
        },
    )


MAPPING_TARGETS = [
    ("sku", "SKU"),
    ("title", _("Title")),
    ("category", _("Category")),
    ("brand", _("Brand")),
    ("price", _("Price")),
    ("currency", _("Currency")),
    ("image_urls", _("Image URLs")),
    ("language", _("Language")),
    ("status", _("Status")),
    ("attributes", _("Attributes (name: value; …)")),
]


@login_required
def import_detail_page(request: HttpRequest, store_id: int, import_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    catalog_import = selectors.catalog_import_get(store=store, import_id=import_id)
    if request.method == "POST":
        dashboard_store(request, store_id, role=Role.OPERATOR)
        actor = Actor.from_request(request)
        mapping = {}
        for index, header in enumerate(catalog_import.headers):
            target = request.POST.get(f"map-{index}", "ignore")
            mapping[header] = f"attribute:{header}" if target == "attribute" else target
        try:
            if request.POST.get("action") == "reread":
                services.catalog_import_set_options(
                    catalog_import=catalog_import,
                    actor=actor,
                    encoding=request.POST.get("encoding") or None,
                    delimiter=request.POST.get("delimiter") or None,
                )
            else:
                services.catalog_import_start(catalog_import=catalog_import, actor=actor, mapping=mapping)
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("catalog:import", store_id=store.pk, import_id=catalog_import.pk)
    columns = []
    for index, header in enumerate(catalog_import.headers):
        target = catalog_import.column_mapping.get(header, "ignore")
        columns.append(
            {
                "index": index,
                "header": header,
                "target": "attribute" if target.startswith(importing.ATTRIBUTE_PREFIX) else target,
                "samples": [row[index] for row in catalog_import.preview_rows[:3] if index < len(row)],
            }
        )
    return render(
        request,
        "catalog/import_detail.html",
        {
            "store": store,
            "membership": membership,
            "import": catalog_import,
            "columns": columns,
            "targets": MAPPING_TARGETS,
            "errors": selectors.import_row_error_list(catalog_import=catalog_import)[:200],
            "job": catalog_import.job,
            "progress": job_progress(job=catalog_import.job) if catalog_import.job else None,
            "encodings": ["utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "cp1252", "latin-1"],
            "uploaded": catalog_import.status == CatalogImport.Status.UPLOADED,
        },
    )


@login_required
def import_errors_download(request: HttpRequest, store_id: int, import_id: int) -> StreamingHttpResponse:
    store, _membership = dashboard_store(request, store_id)
    catalog_import = selectors.catalog_import_get(store=store, import_id=import_id)
    return exporting.import_errors_csv(catalog_import)


@login_required
def export_download(request: HttpRequest, store_id: int) -> HttpResponseBase:
    store, _membership = dashboard_store(request, store_id)
    products = selectors.product_list(
        store=store, search=request.GET.get("q", "").strip(), filters=_filters(request)
    )
    if request.GET.get("file") == "xlsx":
        return FileResponse(exporting.products_xlsx(products), as_attachment=True, filename="products.xlsx")
    return exporting.csv_response(exporting.products_csv(products), "products.csv")


@login_required
def brand_voice_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    form = BrandVoiceForm(request.POST or None)
    if request.method == "POST":
        dashboard_store(request, store_id, role=Role.OPERATOR)
        if form.is_valid():
            try:
                description_services.brand_voice_create(
                    store=store, actor=Actor.from_request(request), **form.voice_fields()
                )
            except ApplicationError as error:
                form.add_error("name", error.message)
            else:
                messages.success(request, _("Brand voice saved."))
                return redirect("catalog:brand-voices", store_id=store.pk)
    return render(
        request,
        "catalog/brand_voices.html",
        {
            "store": store,
            "membership": membership,
            "form": form,
            "voices": selectors.brand_voice_list(store=store),
        },
    )
