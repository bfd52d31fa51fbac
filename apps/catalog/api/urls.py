from django.urls import path

from apps.imports.api.views import import_api_urls

from . import brand_voices, descriptions, products

prefix = "stores/<int:store_id>/catalog"

urlpatterns = [
    path(f"{prefix}/products/", products.ProductListCreateApi.as_view(), name="catalog-product-list"),
    path(
        f"{prefix}/products/<int:product_id>/",
        products.ProductDetailApi.as_view(),
        name="catalog-product-detail",
    ),
    path(f"{prefix}/export/csv/", products.ProductExportCsvApi.as_view(), name="catalog-export-csv"),
    path(f"{prefix}/export/xlsx/", products.ProductExportXlsxApi.as_view(), name="catalog-export-xlsx"),
    path(
        f"{prefix}/export/<slug:platform>/",
        products.ProductPlatformExportApi.as_view(),
        name="catalog-export-platform",
    ),
    path(
        f"{prefix}/products/<int:product_id>/published-text/",
        products.ProductPublishedTextApi.as_view(),
        name="catalog-product-published-text",
    ),
    *import_api_urls(prefix=prefix, target="catalog.products", name="catalog"),
    path(
        f"{prefix}/products/<int:product_id>/describe/",
        descriptions.ProductDescribeApi.as_view(),
        name="catalog-product-describe",
    ),
    path(
        f"{prefix}/descriptions/", descriptions.DescriptionListApi.as_view(), name="catalog-description-list"
    ),
    path(
        f"{prefix}/descriptions/generate/",
        descriptions.DescriptionBulkGenerateApi.as_view(),
        name="catalog-description-generate",
    ),
    path(
        f"{prefix}/descriptions/<int:description_id>/",
        descriptions.DescriptionDetailApi.as_view(),
        name="catalog-description-detail",
    ),
    path(
        f"{prefix}/descriptions/<int:description_id>/versions/",
        descriptions.DescriptionVersionListApi.as_view(),
        name="catalog-description-versions",
    ),
    path(
        f"{prefix}/descriptions/<int:description_id>/review/",
        descriptions.DescriptionReviewApi.as_view(),
        name="catalog-description-review",
    ),
    path(
        f"{prefix}/descriptions/<int:description_id>/diff/",
        descriptions.DescriptionDiffApi.as_view(),
        name="catalog-description-diff",
    ),
    path(
        f"{prefix}/brand-voices/",
        brand_voices.BrandVoiceListCreateApi.as_view(),
        name="catalog-brand-voice-list",
    ),
    path(
        f"{prefix}/brand-voices/<int:brand_voice_id>/",
        brand_voices.BrandVoiceDetailApi.as_view(),
        name="catalog-brand-voice-detail",
    ),
]
