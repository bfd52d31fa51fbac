from django.urls import path

from apps.imports.api.views import import_api_urls

from . import alerts, views

prefix = "stores/<int:store_id>/reviews"

urlpatterns = [
    path(f"{prefix}/", views.ReviewListCreateApi.as_view(), name="reviews-list"),
    path(f"{prefix}/<int:review_id>/", views.ReviewDetailApi.as_view(), name="reviews-detail"),
    path(f"{prefix}/classify/", views.ReviewClassifyApi.as_view(), name="reviews-classify"),
    path(f"{prefix}/insights/", views.InsightsApi.as_view(), name="reviews-insights"),
    path(f"{prefix}/export/csv/", views.ReviewExportCsvApi.as_view(), name="reviews-export-csv"),
    path(f"{prefix}/aspects/", views.CustomAspectListCreateApi.as_view(), name="reviews-aspect-list"),
    path(
        f"{prefix}/aspects/<int:aspect_id>/",
        views.CustomAspectDetailApi.as_view(),
        name="reviews-aspect-detail",
    ),
    path(f"{prefix}/alerts/", alerts.AlertListApi.as_view(), name="reviews-alert-list"),
    path(f"{prefix}/alerts/detect/", alerts.AlertDetectApi.as_view(), name="reviews-alert-detect"),
    path(f"{prefix}/alerts/<int:alert_id>/", alerts.AlertDetailApi.as_view(), name="reviews-alert-detail"),
    path(
        f"{prefix}/alerts/<int:alert_id>/acknowledge/",
        alerts.AlertAcknowledgeApi.as_view(),
        name="reviews-alert-acknowledge",
    ),
    path(f"{prefix}/webhook-deliveries/", alerts.DeliveryListApi.as_view(), name="reviews-delivery-list"),
    path(
        f"{prefix}/<int:review_id>/replies/", alerts.ReplyGenerateApi.as_view(), name="reviews-reply-generate"
    ),
    path(f"{prefix}/replies/", alerts.ReplyListApi.as_view(), name="reviews-reply-list"),
    path(f"{prefix}/replies/<int:reply_id>/", alerts.ReplyDetailApi.as_view(), name="reviews-reply-detail"),
    path(
        f"{prefix}/replies/<int:reply_id>/review/",
        alerts.ReplyDecisionApi.as_view(),
        name="reviews-reply-review",
    ),
    path(f"{prefix}/settings/", alerts.ReviewSettingsApi.as_view(), name="reviews-settings"),
    *import_api_urls(prefix=prefix, target="reviews.reviews", name="reviews"),
]
