from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    # An app of its own so that Wagtail finds its wagtail_hooks.py and Django its templates and static files.
    name = "cms.backoffice"
    label = "backoffice"
    verbose_name = "Back office"
