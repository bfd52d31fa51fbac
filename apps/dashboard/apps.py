from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The pages that gather every module (the store home): above all apps, imported by none."""

    name = "apps.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from apps.accounts.usage import StoreQuotaMeter
        from apps.inference import set_usage_meter

        # Generation for a store counts against its monthly quota (apps/accounts/usage.py).
        set_usage_meter(StoreQuotaMeter())
