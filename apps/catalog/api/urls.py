from django.urls import path

from . import views

prefix = "stores/<int:store_id>/catalog"

urlpatterns = [
    path(f"{prefix}/products/", views.ProductListCreateApi.as_view(), name="catalog-product-list"),
    path(f"{prefix}/products/<int:product_id>/", views.ProductDetailApi.as_view(), name="catalog-product-detail"),
    path(f"{prefix}/export/csv/", views.ProductExportCsvApi.as_view(), name="catalog-export-csv"),
    path(f"{prefix}/export/xlsx/", views.ProductExportXlsxApi.as_view(), name="catalog-export-xlsx"),
    path(f"{prefix}/imports/", views.CatalogImportListCreateApi.as_view(), name="catalog-import-list"),
    path(f"{prefix}/imports/<int:import_id>/", views.CatalogImportDetailApi.as_view(), name="catalog-import-detail"),
    path(f"{prefix}/imports/<int:import_id>/start/", views.CatalogImportStartApi.as_view(),
         name="catalog-import-start"),
    path(f"{prefix}/imports/<int:import_id>/errors/", views.CatalogImportErrorListApi.as_view(),
         name="catalog-import-errors"),
    path(f"{prefix}/imports/<int:import_id>/errors/download/", views.CatalogImportErrorFileApi.as_view(),
         name="catalog-import-error-file"),
]
