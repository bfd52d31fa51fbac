from django.urls import path

from apps.imports.views import import_page_urls

from . import views

app_name = "reviews"

urlpatterns = [
    path("s/<int:store_id>/reviews/", views.review_list_page, name="home"),
    path("s/<int:store_id>/reviews/<int:review_id>/", views.review_detail_page, name="review"),
    path("s/<int:store_id>/reviews/classify/", views.classify_action, name="classify"),
    path("s/<int:store_id>/reviews/insights/", views.insights_page, name="insights"),
    path("s/<int:store_id>/reviews/export/", views.export_download, name="export"),
    path("s/<int:store_id>/reviews/alerts/", views.alert_list_page, name="alerts"),
    path("s/<int:store_id>/reviews/alerts/detect/", views.alert_detect_action, name="alert-detect"),
    path(
        "s/<int:store_id>/reviews/alerts/<int:alert_id>/acknowledge/",
        views.alert_acknowledge_action,
        name="alert-acknowledge",
    ),
    path("s/<int:store_id>/reviews/replies/", views.reply_queue_page, name="replies"),
    path(
        "s/<int:store_id>/reviews/<int:review_id>/reply/", views.reply_generate_action, name="reply-generate"
    ),
    path("s/<int:store_id>/reviews/replies/<int:reply_id>/", views.reply_review_action, name="reply-review"),
    path("s/<int:store_id>/reviews/settings/", views.settings_page, name="settings"),
    path(
        "s/<int:store_id>/reviews/aspects/<int:aspect_id>/delete/",
        views.aspect_delete_action,
        name="aspect-delete",
    ),
    *import_page_urls(prefix="s/<int:store_id>/reviews", target="reviews.reviews"),
]
