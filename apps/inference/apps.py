from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "apps.inference"
    label = "inference"
    verbose_name = "Inference"

    def ready(self) -> None:
        from . import api_errors, checks  # noqa: F401  (checks registers the system checks)

        api_errors.register()
