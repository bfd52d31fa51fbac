from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "apps.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from . import targets

        targets.autodiscover()
