from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Consultations (CMS)"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from . import locales, signals  # noqa: F401 - signals connects its receivers

        request_started.connect(locales.request_started, dispatch_uid="cms.locales.started")
        request_finished.connect(locales.request_finished, dispatch_uid="cms.locales.finished")
