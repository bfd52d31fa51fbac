from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "apps.training"
    label = "training"
    verbose_name = "Training"

    def ready(self) -> None:
        from apps.inference import set_store_resolver

        from . import sentiment
        from .services.versions import store_resolver

        sentiment.register()
        set_store_resolver(store_resolver)
