from django.urls import path

from . import views

prefix = "stores/<int:store_id>/catalog"

urlpatterns = [
    path(f"{prefix}/products/", views.ProductListCreateApi.as_view(), name="catalog-product-list"),
    path(
        f"{prefix}/products/<int:product_id>/",
        views.ProductDetailApi.as_view(),
        name="catalog-product-detail",
    ),
    path(f"{prefix}/export/csv/", views.ProductExportCsvApi.as_view(), name="catalog-export-csv"),
    path(f"{prefix}/export/xlsx/", views.ProductExportXlsxApi.as_view(), name="catalog-export-xlsx"),
    path(f"{prefix}/imports/", views.CatalogImportListCreateApi.as_view(), name="catalog-import-list"),
    path(
        f"{prefix}/imports/<int:import_id>/",
        views.CatalogImportDetailApi.as_view(),
        name="catalog-import-detail",
    ),
    path(
        f"{prefix}/imports/<int:import_id>/start/",
        views.CatalogImportStartApi.as_view(),
        name="catalog-import-start",
    ),
    path(
        f"{prefix}/imports/<int:import_id>/errors/",
        views.CatalogImportErrorListApi.as_view(),
        name="catalog-import-errors",
    ),
    path(
        f"{prefix}/imports/<int:import_id>/errors/download/",
        views.CatalogImportErrorFileApi.as_view(),
        name="catalog-import-error-file",
    ),
]

urlpatterns += [
    path(
        f"{prefix}/products/<int:product_id>/describe/",
        views.ProductDescribeApi.as_view(),
        name="catalog-product-describe",
    ),
    path(f"{prefix}/descriptions/", views.DescriptionListApi.as_view(), name="catalog-description-list"),
    path(
        f"{prefix}/descriptions/generate/",
        views.DescriptionBulkGenerateApi.as_view(),
        name="catalog-description-generate",
    ),
    path(
        f"{prefix}/descriptions/<int:description_id>/",
        views.DescriptionDetailApi.as_view(),
        name="catalog-description-detail",
    ),
    path(
        f"{prefix}/descriptions/<int:description_id>/versions/",
        views.DescriptionVersionListApi.as_view(),
        name="catalog-description-versions",
    ),
    path(
        f"{prefix}/descriptions/<int:description_id>/review/",
        views.DescriptionReviewApi.as_view(),
        name="catalog-description-review",
    ),
    path(
        f"{prefix}/descriptions/<int:description_id>/diff/",
        views.DescriptionDiffApi.as_view(),
        name="catalog-description-diff",
    ),
    path(f"{prefix}/brand-voices/", views.BrandVoiceListCreateApi.as_view(), name="catalog-brand-voice-list"),
    path(
        f"{prefix}/brand-voices/<int:brand_voice_id>/",
        views.BrandVoiceDetailApi.as_view(),
        name="catalog-brand-voice-detail",
    ),
]
