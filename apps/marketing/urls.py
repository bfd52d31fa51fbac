from django.urls import path

from . import views

app_name = "marketing"

urlpatterns = [
    path("s/<int:store_id>/marketing/", views.home_page, name="home"),
    path("s/<int:store_id>/marketing/settings/", views.settings_page, name="settings"),
    path("s/<int:store_id>/marketing/campaigns/<int:campaign_id>/", views.campaign_page, name="campaign"),
    path(
        "s/<int:store_id>/marketing/campaigns/<int:campaign_id>/requests/",
        views.request_create_action,
        name="request-create",
    ),
    path(
        "s/<int:store_id>/marketing/campaigns/<int:campaign_id>/ab-tests/",
        views.ab_test_create_action,
        name="ab-create",
    ),
    path(
        "s/<int:store_id>/marketing/campaigns/<int:campaign_id>/export/", views.export_download, name="export"
    ),
    path("s/<int:store_id>/marketing/variants/<int:variant_id>/", views.variant_action, name="variant"),
    path(
        "s/<int:store_id>/marketing/variants/<int:variant_id>/results/",
        views.variant_results_action,
        name="variant-results",
    ),
]
