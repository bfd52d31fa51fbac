from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The pages that gather every module (the store home): above all apps, imported by none."""

    name = "apps.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
