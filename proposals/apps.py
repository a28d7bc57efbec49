from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"

    def ready(self):
        # Wagtail's page_published is a signal of a sender this app does not own: a consultation published
        # with renamed categories re-indexes its proposals.
        from .search import signals  # noqa: F401
