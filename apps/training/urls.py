from django.urls import path

from apps.imports.views import import_page_urls

from . import views

app_name = "training"

urlpatterns = [
    path("s/<int:store_id>/training/", views.home_page, name="home"),
    path("s/<int:store_id>/training/datasets/", views.dataset_create_action, name="dataset-create"),
    path("s/<int:store_id>/training/datasets/<int:dataset_id>/", views.dataset_page, name="dataset"),
    path("s/<int:store_id>/training/labels/", views.label_action, name="label"),
    path("s/<int:store_id>/training/runs/", views.run_start_action, name="run-start"),
    path("s/<int:store_id>/training/runs/<int:run_id>/", views.run_page, name="run"),
    path("s/<int:store_id>/training/runs/<int:run_id>/cancel/", views.run_cancel_action, name="run-cancel"),
    path(
        "s/<int:store_id>/training/versions/<int:version_id>/activate/",
        views.version_activate_action,
        name="version-activate",
    ),
    path("s/<int:store_id>/training/rollback/", views.rollback_action, name="rollback"),
    # Files of labelled reviews: /s/<id>/training/labels/imports/
    *import_page_urls(prefix="s/<int:store_id>/training/labels", target="training.review_labels"),
]
