from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("s/<int:store_id>/jobs/", views.job_list_page, name="list"),
    path("s/<int:store_id>/jobs/<int:job_id>/", views.job_detail_page, name="detail"),
    path("s/<int:store_id>/jobs/<int:job_id>/progress/", views.job_progress_fragment, name="progress"),
    path("s/<int:store_id>/jobs/<int:job_id>/cancel/", views.job_cancel_action, name="cancel"),
    path("s/<int:store_id>/jobs/<int:job_id>/retry/", views.job_retry_action, name="retry"),
]
