from django.urls import path

from . import views

prefix = "stores/<int:store_id>/marketing"

urlpatterns = [
    path(f"{prefix}/settings/", views.SettingsApi.as_view(), name="marketing-settings"),
    path(f"{prefix}/campaigns/", views.CampaignListCreateApi.as_view(), name="marketing-campaign-list"),
    path(
        f"{prefix}/campaigns/<int:campaign_id>/",
        views.CampaignDetailApi.as_view(),
        name="marketing-campaign-detail",
    ),
    path(
        f"{prefix}/campaigns/<int:campaign_id>/requests/",
        views.CopyRequestListCreateApi.as_view(),
        name="marketing-request-list",
    ),
    path(
        f"{prefix}/campaigns/<int:campaign_id>/ab-tests/",
        views.ABTestListCreateApi.as_view(),
        name="marketing-ab-test-list",
    ),
    path(
        f"{prefix}/campaigns/<int:campaign_id>/export/csv/",
        views.CampaignExportCsvApi.as_view(),
        name="marketing-export-csv",
    ),
    path(
        f"{prefix}/requests/<int:request_id>/",
        views.CopyRequestDetailApi.as_view(),
        name="marketing-request-detail",
    ),
    path(
        f"{prefix}/variants/<int:variant_id>/",
        views.VariantDetailApi.as_view(),
        name="marketing-variant-detail",
    ),
    path(
        f"{prefix}/variants/<int:variant_id>/review/",
        views.VariantReviewApi.as_view(),
        name="marketing-variant-review",
    ),
    path(
        f"{prefix}/variants/<int:variant_id>/results/",
        views.VariantResultsApi.as_view(),
        name="marketing-variant-results",
    ),
    path(
        f"{prefix}/ab-tests/<int:ab_test_id>/",
        views.ABTestDetailApi.as_view(),
        name="marketing-ab-test-detail",
    ),
]
