"""The Wagtail editor's form for consultation pages (cms.models imports it: nothing here imports models)."""

from functools import cache

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm

from .participation import ParticipationLevel, identity_services


@cache
def stage_form(base: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """The form of one stage in the editor, built on Wagtail's (`base`): a slug left empty is made from the
    name, as Wagtail makes a page's from its title. Two stages with the same slug are refused by the
    formset (the model's unique constraint), as two categories are, before anything is saved."""

    class StageForm(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            slug = self.fields["slug"]
            slug.required = False
            slug.help_text = _("Left empty, it is made from the name. Proposals and check-ins use it.")

        def clean(self):
            cleaned = super().clean()
            if not cleaned.get("slug") and cleaned.get("name"):
                cleaned["slug"] = slugify(cleaned["name"])[: self.instance._meta.get_field("slug").max_length]
                if not cleaned["slug"]:
                    self.add_error("slug", _("Give this stage a slug: its name makes none."))
            return cleaned

    return StageForm


class ConsultationPageForm(WagtailAdminPageForm):
    """On a translation, the participation settings (dates, threshold, moderation) are shown, not edited:
    they are the consultation's, set on its original page, and a translation only changes texts. Saving a
    translation writes the original's values into it, so its copies never drift from what the site uses.
    Its categories' and stages' names are translated there, their slugs kept: proposals (and check-ins) are
    filed by the original's slugs, and the name shown for each is the one its slug has in the reader's
    language. Life events and the area set are the consultation's too: the home page files it by its
    original's, proposals name the original's areas."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stages = self.formsets.get("stages")
        if stages is not None:  # before its forms are built (a cached property of the formset)
            stages.form = stage_form(stages.form)
        if "participation_level" in self.fields:
            # Left out of a post (a client of the editor that does not know it yet), the page keeps its own.
            self.fields["participation_level"].required = False
        page = self.instance
        original = page if page.pk is None else page.canonical_page()  # a new page is a consultation
        if original.pk == page.pk:
            if "life_events" in self.fields and page.locale_id is not None:
                self.offer_life_events_in(page.locale_id)
            return
        note = _("Set on the original page, “%(title)s”: the same in every language.") % {
            "title": original.title
        }
        for name in page.PARTICIPATION_FIELDS:
            if name in self.fields:
                self.fields[name].disabled = True
                self.fields[name].help_text = note
                self.initial[name] = getattr(original, name)
        if "life_events" in self.fields:
            self.fields["life_events"].disabled = True
            self.fields["life_events"].help_text = note
            self.initial["life_events"] = [event.pk for event in original.life_events.all()]
        if "area_set" in self.fields:
            self.fields["area_set"].disabled = True
            self.fields["area_set"].help_text = note
            self.initial["area_set"] = original.area_set_id
        slug_note = _("Set on the original page: translate the name only.")
        for relation in ("categories", "stages"):
            for form in self.formsets[relation].forms:
                if form.instance.pk is not None:
                    form.fields["slug"].disabled = True
                    form.fields["slug"].help_text = slug_note

    def offer_life_events_in(self, locale_id: int) -> None:
        """Offer each life event once (its translations are the same event): in the page's language, or as
        written if it has no translation in it yet."""
        field = self.fields["life_events"]
        translated = field.queryset.model.objects.filter(
            translation_key=OuterRef("translation_key"), locale_id=locale_id
        )
        field.queryset = field.queryset.filter(Q(locale_id=locale_id) | ~Exists(translated))

    def clean(self):
        cleaned = super().clean()
        field = self.fields.get("participation_level")
        # Checked where it is chosen, on the original page (a translation shows the original's, disabled).
        level = cleaned.get("participation_level")
        asks_identity = bool(level) and level != ParticipationLevel.EMAIL
        if field is not None and not field.disabled and asks_identity and not identity_services():
            self.add_error(
                "participation_level",
                _(
                    "No identity service is set up on this site, so nobody could take part: keep “A verified "
                    "e-mail address”, or ask the site’s administrators to set up an identity service first."
                ),
            )
        return cleaned
