from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Consultations (CMS)"

    def ready(self):
        from . import signals  # noqa: F401 - connects the receivers
