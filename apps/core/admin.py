from django.contrib import admin

from .models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "state", "queues", "pid", "last_seen", "restart_at", "exit_reason"]
    list_filter = ["state"]
    readonly_fields = [field.name for field in WorkerHeartbeat._meta.fields]
