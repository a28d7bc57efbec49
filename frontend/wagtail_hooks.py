"""The citizens' side of the consultation pages: the page model (cms) asks its floors above for what it
shows beyond its own texts through a Wagtail hook, registered here."""

from wagtail import hooks

from cms.models import CONSULTATION_CONTEXT_HOOK

from .pages import consultation_context

hooks.register(CONSULTATION_CONTEXT_HOOK, consultation_context)
