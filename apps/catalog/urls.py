from django.urls import path

from apps.imports.views import import_page_urls

from . import views

app_name = "catalog"

urlpatterns = [
    path("s/<int:store_id>/catalog/", views.product_list_page, name="home"),
    path("s/<int:store_id>/catalog/products/new/", views.product_edit_page, name="product-new"),
    path("s/<int:store_id>/catalog/products/<int:product_id>/", views.product_detail_page, name="product"),
    path(
        "s/<int:store_id>/catalog/products/<int:product_id>/edit/",
        views.product_edit_page,
        name="product-edit",
    ),
    path(
        "s/<int:store_id>/catalog/products/<int:product_id>/delete/",
        views.product_delete_action,
        name="product-delete",
    ),
    path(
        "s/<int:store_id>/catalog/products/<int:product_id>/published-text/",
        views.published_text_action,
        name="published-text",
    ),
    path(
        "s/<int:store_id>/catalog/products/<int:product_id>/describe/",
        views.describe_stream_action,
        name="describe-stream",
    ),
    path("s/<int:store_id>/catalog/describe/", views.describe_bulk_action, name="describe-bulk"),
    path("s/<int:store_id>/catalog/review/", views.review_queue_page, name="review"),
    path(
        "s/<int:store_id>/catalog/descriptions/<int:description_id>/review/",
        views.description_review_action,
        name="description-review",
    ),
    path(
        "s/<int:store_id>/catalog/descriptions/<int:description_id>/diff/",
        views.description_diff_page,
        name="description-diff",
    ),
    *import_page_urls(prefix="s/<int:store_id>/catalog", target="catalog.products"),
    path("s/<int:store_id>/catalog/export/", views.export_download, name="export"),
    path("s/<int:store_id>/catalog/brand-voices/", views.brand_voice_page, name="brand-voices"),
]
