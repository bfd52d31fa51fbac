from django.urls import path

from apps.imports.api.views import import_api_urls

from . import views

prefix = "stores/<int:store_id>/training"

urlpatterns = [
    path(f"{prefix}/datasets/", views.DatasetListCreateApi.as_view(), name="training-dataset-list"),
    path(
        f"{prefix}/datasets/<int:dataset_id>/",
        views.DatasetDetailApi.as_view(),
        name="training-dataset-detail",
    ),
    path(f"{prefix}/labels/", views.ReviewLabelApi.as_view(), name="training-labels"),
    *import_api_urls(prefix=f"{prefix}/labels", target="training.review_labels", name="training-labels"),
    path(f"{prefix}/runs/", views.RunListCreateApi.as_view(), name="training-run-list"),
    path(f"{prefix}/runs/<int:run_id>/", views.RunDetailApi.as_view(), name="training-run-detail"),
    path(f"{prefix}/runs/<int:run_id>/cancel/", views.RunCancelApi.as_view(), name="training-run-cancel"),
    path(f"{prefix}/versions/", views.VersionListApi.as_view(), name="training-version-list"),
    path(
        f"{prefix}/versions/<int:version_id>/",
        views.VersionDetailApi.as_view(),
        name="training-version-detail",
    ),
    path(
        f"{prefix}/versions/<int:version_id>/activate/",
        views.VersionActivateApi.as_view(),
        name="training-version-activate",
    ),
    path(f"{prefix}/active/", views.ActiveApi.as_view(), name="training-active"),
    path(f"{prefix}/default/", views.DefaultActivateApi.as_view(), name="training-default"),
    path(f"{prefix}/rollback/", views.RollbackApi.as_view(), name="training-rollback"),
]
