"""Snippets in the Wagtail admin, kept by officials (the role groups hold their model permissions,
cms.roles): life events, translated with simple_translation's "Translate" action as pages; area sets, whose
areas come from an uploaded GeoJSON file (cms.area_forms)."""

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet

from .area_forms import AreaSetForm
from .models import AreaSet, LifeEvent


class LifeEventViewSet(SnippetViewSet):
    model = LifeEvent
    icon = "group"
    menu_label = gettext_lazy("Life events")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "description", "sort_order"]


register_snippet(LifeEventViewSet)


def replacement_message(form, message: str) -> str:
    """`message` followed by what the upload did to the set's areas, if a file was uploaded."""
    replacement = getattr(form, "replacement", None)
    if replacement is None:
        return message
    parts = [
        _("Areas kept: %(n)s; added: %(added)s; removed: %(removed)s.")
        % {"n": len(replacement.kept), "added": len(replacement.added), "removed": len(replacement.removed)}
    ]
    if replacement.removed:
        parts.append(_("Removed: %(names)s.") % {"names": ", ".join(replacement.removed)})
    if replacement.proposals_unset:
        n = replacement.proposals_unset
        parts.append(
            ngettext(
                "%(n)s proposal named a removed area and now names none.",
                "%(n)s proposals named a removed area and now name none.",
                n,
            )
            % {"n": n}
        )
    return " ".join([message, *parts])


class AreaSetCreateView(CreateView):
    def get_success_message(self, instance):
        return replacement_message(self.form, super().get_success_message(instance))


class AreaSetEditView(EditView):
    def get_success_message(self):
        return replacement_message(self.form, super().get_success_message())


class AreaSetViewSet(SnippetViewSet):
    model = AreaSet
    icon = "site"
    menu_label = gettext_lazy("Areas")
    menu_order = 220
    add_to_admin_menu = True
    add_view_class = AreaSetCreateView
    edit_view_class = AreaSetEditView
    list_display = ["name", Column("area_count", label=gettext_lazy("Areas")), "updated_at"]
    edit_handler = ObjectList([FieldPanel("name"), FieldPanel("boundaries")], base_form_class=AreaSetForm)

    def get_queryset(self, request):
        return AreaSet.objects.annotate(area_count=Count("areas"))


register_snippet(AreaSetViewSet)
