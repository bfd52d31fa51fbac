from django.urls import path

from . import views

urlpatterns = [
    path("stores/<int:store_id>/jobs/", views.JobListApi.as_view(), name="job-list"),
    path("stores/<int:store_id>/jobs/<int:job_id>/", views.JobDetailApi.as_view(), name="job-detail"),
    path(
        "stores/<int:store_id>/jobs/<int:job_id>/items/", views.JobItemListApi.as_view(), name="job-item-list"
    ),
    path("stores/<int:store_id>/jobs/<int:job_id>/cancel/", views.JobCancelApi.as_view(), name="job-cancel"),
    path("stores/<int:store_id>/jobs/<int:job_id>/retry/", views.JobRetryApi.as_view(), name="job-retry"),
]
