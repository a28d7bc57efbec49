"""The Wagtail editor's form for consultation pages (cms.models imports it: nothing here imports models)."""

from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm


class ConsultationPageForm(WagtailAdminPageForm):
    """On a translation, the participation settings (dates, threshold, moderation) are shown, not edited:
    they are the consultation's, set on its original page, and a translation only changes texts. Saving a
    translation writes the original's values into it, so its copies never drift from what the site uses.
    Its categories' names are translated there, their slugs kept: proposals are filed by the original's
    slugs, and the name shown for each is the one its slug has in the reader's language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        page = self.instance
        if page.pk is None:  # a new page is a consultation of its own
            return
        original = page.canonical_page()
        if original.pk == page.pk:
            return
        note = _("Set on the original page, “%(title)s”: the same in every language.") % {
            "title": original.title
        }
        for name in page.PARTICIPATION_FIELDS:
            if name in self.fields:
                self.fields[name].disabled = True
                self.fields[name].help_text = note
                self.initial[name] = getattr(original, name)
        slug_note = _("Set on the original page: translate the name only.")
        for form in self.formsets["categories"].forms:
            if form.instance.pk is not None:
                form.fields["slug"].disabled = True
                form.fields["slug"].help_text = slug_note
