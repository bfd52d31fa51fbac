"""Catalog dashboard pages: products, imports, exports, descriptions and their review; thin over services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.actor import Actor
from apps.accounts.dashboard import dashboard_store
from apps.accounts.models import Role, Store
from apps.core.errors import ApplicationError
from apps.core.streaming import ndjson_response, serves_async

from . import exporting, selectors
from .forms import BrandVoiceForm, GenerateForm, ProductForm, ReviewForm
from .models import DescriptionStatus, Language, Product
from .platforms import exports as platform_exports
from .services import brand_voices, descriptions, drafting, drafting_stream
from .services import products as product_services

PAGE_SIZE = 50
FILTERS = ("status", "category", "language")


def _filters(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "") for name in FILTERS}


def _voices(store: Store) -> list[tuple[int, str]]:
    return list(selectors.brand_voice_list(store=store).values_list("pk", "name"))


@login_required
def product_list_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    search = request.GET.get("q", "").strip()
    filters = _filters(request)
    products = (
        selectors.product_list(store=store, search=search, filters=filters)
        .annotate(variant_count=Count("variants"))
        .order_by("sku")
    )
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
        fields = form.product_values()
        try:
            if product:
                product = product_services.product_update(product=product, actor=actor, **fields)
            else:
                product = product_services.product_create(store=store, actor=actor, **fields)
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
            "variants": list(product.variants.all()),
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
    product_services.product_delete(product=product, actor=Actor.from_request(request))
    messages.success(request, _("Product deleted."))
    return redirect("catalog:home", store_id=store.pk)


@login_required
@require_POST
def published_text_action(request: HttpRequest, store_id: int, product_id: int) -> HttpResponse:
    """Marks the shop's current description good (a few-shot example) or takes the mark away."""
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    product = selectors.product_get(store=store, product_id=product_id)
    try:
        product_services.product_mark_published_text(
            product=product, actor=Actor.from_request(request), good=request.POST.get("good") == "1"
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("catalog:product", store_id=store.pk, product_id=product.pk)


@login_required
@require_POST
def describe_stream_action(request: HttpRequest, store_id: int, product_id: int) -> HttpResponseBase:
    """Generates for one product and streams it to the page as NDJSON events."""
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    product = selectors.product_get(store=store, product_id=product_id)
    form = GenerateForm(request.POST, voices=_voices(store))
    if not form.is_valid():
        return ndjson_response([{"error": form.errors.as_text()}], status=400)
    actor = Actor.from_request(request)
    events = (
        drafting_stream.description_generate_stream_async
        if serves_async(request)
        else drafting_stream.description_generate_stream
    )
    return ndjson_response(events(product=product, actor=actor, options=form.options(store)))


@login_required
@require_POST
def describe_bulk_action(request: HttpRequest, store_id: int) -> HttpResponse:
    """Bulk generation for the ticked products, or for every product matching the list's filters."""
    store, _membership = dashboard_store(request, store_id, role=Role.OPERATOR)
    form = GenerateForm(request.POST, voices=_voices(store))
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("catalog:home", store_id=store.pk)
    selection = selectors.product_list(
        store=store,
        search=request.POST.get("q", "").strip(),
        filters={name: request.POST.get(name, "") for name in FILTERS},
    )
    if request.POST.get("scope") != "all":
        # isdecimal, not isdigit: "²" is a digit that int() refuses.
        selection = selection.filter(
            pk__in=[int(pk) for pk in request.POST.getlist("product") if pk.isdecimal() and len(pk) < 19]
        )
    try:
        job = drafting.descriptions_generate_bulk(
            store=store,
            actor=Actor.from_request(request),
            options=form.options(store),
            products=selection,
            batch_size=form.cleaned_data.get("batch_size") or drafting.DEFAULT_BATCH_SIZE,
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
            version = descriptions.description_review(
                description=description,
                actor=Actor.from_request(request),
                action=form.cleaned_data["action"],
                text=form.cleaned_data.get("text") or None,
                note=form.cleaned_data.get("note", ""),
                version_number=form.cleaned_data.get("version"),
                confirm_invented=form.cleaned_data.get("confirm_invented", False),
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
    description = selectors.description_get(store=store, description_id=description_id)
    numbers = {name: _version_number(request, name) for name in ("from", "to")}
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
            "segments": descriptions.description_diff(old=old, new=new),
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
def export_download(request: HttpRequest, store_id: int) -> HttpResponseBase:
    store, _membership = dashboard_store(request, store_id)
    selection = selectors.product_list(
        store=store, search=request.GET.get("q", "").strip(), filters=_filters(request)
    )
    if request.GET.get("file") in platform_exports.FORMATS:
        return platform_exports.platform_export_response(selection, request.GET["file"])
    if request.GET.get("file") == "xlsx":
        return FileResponse(exporting.products_xlsx(selection), as_attachment=True, filename="products.xlsx")
    return exporting.products_csv(selection)


@login_required
def brand_voice_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    form = BrandVoiceForm(request.POST or None)
    if request.method == "POST":
        dashboard_store(request, store_id, role=Role.OPERATOR)
        if form.is_valid():
            try:
                brand_voices.brand_voice_create(
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
