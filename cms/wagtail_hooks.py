"""Life events in the Wagtail admin: a snippet officials keep (the role groups hold its model permissions,
cms.roles), and translate with simple_translation's "Translate" action, as pages."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import LifeEvent


class LifeEventViewSet(SnippetViewSet):
    model = LifeEvent
    icon = "group"
    menu_label = _("Life events")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "description", "sort_order"]


register_snippet(LifeEventViewSet)
