from django.contrib import admin

from .models import Job, JobItem


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "store", "kind", "status", "total", "done_count", "failed_count", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "kind"]
    raw_id_fields = ["store", "created_by"]


@admin.register(JobItem)
class JobItemAdmin(admin.ModelAdmin):
    list_display = ["id", "job", "position", "key", "status", "attempts", "finished_at"]
    list_filter = ["status"]
    raw_id_fields = ["job"]
