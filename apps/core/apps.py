from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        # Connects the worker heartbeat to Celery's worker signals; they fire only in workers.
        from . import heartbeat  # noqa: F401
