from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "apps.inference"
    label = "inference"
    verbose_name = "Inference"

    def ready(self) -> None:
        from . import api_errors, checks, worker  # noqa: F401  (system checks; the worker's endpoint signals)

        api_errors.register()
