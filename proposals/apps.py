from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"

    def ready(self):
        # Wagtail's signals come from a sender this app does not own: a consultation published with renamed
        # categories re-indexes its proposals, one published with a lower threshold makes the promise to
        # the proposals already past it, and one unpublished, deleted or made private closes its live
        # streams.
        from . import signals as promise_signals  # noqa: F401
        from .live import signals as live_signals  # noqa: F401
        from .search import signals as search_signals  # noqa: F401
