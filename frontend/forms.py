"""Forms parse and describe input; the rules that matter live in the services, whose errors land back on
these forms (see `cocreate.forms.add_service_error`)."""

from django import forms
from django.conf import settings
from django.forms.boundfield import BoundField
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cms.models import ConsultationStage
from cocreate.accounts.models import EMAIL_KINDS, EmailFrequency, User
from cocreate.exceptions import ServiceError
from cocreate.limits import MaxLength
from proposals.attachments import ALT_TEXT_MAX, prepare_image, prepare_pdf
from proposals.choices import Frustration, Motivation
from proposals.models import ATTACHMENTS_PER_KIND, FlagReason, Status
from proposals.services import (
    BODY_MAX,
    COMMENT_MAX,
    DETAILS_MAX,
    REASON_MAX,
    STORY_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
)


class CountedBoundField(BoundField):
    """Adds the live character counter (enhanceCounters in shared.js) to what the input is described by,
    after the help text and the errors that Django already names; the template gives the counter the id
    used here."""

    @property
    def aria_describedby(self):
        ids = super().aria_describedby
        if ids is None or "data-maxlength" not in self.field.widget.attrs or not self.auto_id:
            return ids
        return f"{ids} {self.auto_id}_counter".strip()


def _up_to(text: str, limit: int) -> str:
    """A help text with its character limit written as the reader's language groups it: 2,000 in English,
    2 000 in French (a narrow no-break space, cocreate.formats)."""
    return text % {"n": number_format(limit, force_grouping=True)}


def _text(label, limit: int, *, widget=None) -> forms.CharField:
    # A validator rather than max_length: max_length would add a `maxlength` attribute that silently
    # truncates pasted text; the limit is stated in the help text and counted by live.js instead.
    field = forms.CharField(label=label, widget=widget, validators=[MaxLength(limit)])
    field.widget.attrs["data-maxlength"] = str(limit)
    return field


class ProposalEditForm(forms.Form):
    """A proposal's texts: what its author edits (services.proposal_edit), and the start of the form that
    submits one."""

    bound_field_class = CountedBoundField

    title = _text(_("Title"), TITLE_MAX)
    summary = _text(_("Summary"), SUMMARY_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    body = _text(_("Details"), BODY_MAX, widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args, areas=None, **kwargs):
        """`areas`: the consultation's areas (selectors.areas_of_set), or None when it has none: the area
        field is then left out."""
        super().__init__(*args, **kwargs)
        if areas is not None and areas.exists():
            self.fields["area"] = forms.ModelChoiceField(
                label=_("Area (optional)"),
                queryset=areas,
                required=False,
                empty_label=_("Not about one area"),
                help_text=_("The district or neighbourhood your proposal is about, if it is about one."),
            )
        # Set here, not on the class: the limits are interpolated in the language of this request.
        help_texts = {
            "title": gettext("Say what you propose in one short sentence. Up to %(n)s characters."),
            "summary": gettext(
                "Two or three sentences, shown in the list of proposals. Up to %(n)s characters."
            ),
            "body": gettext("Explain the problem, your idea and whom it helps. Up to %(n)s characters."),
        }
        for name, text in help_texts.items():
            self.fields[name].help_text = _up_to(text, int(self.fields[name].widget.attrs["data-maxlength"]))


class ProposalForm(ProposalEditForm):
    category = forms.ModelChoiceField(
        label=_("Category (optional)"),
        queryset=None,
        required=False,
        empty_label=_("No category"),
        help_text=_("Helps others find proposals on the same subject."),
    )
    stage = forms.ModelChoiceField(
        label=_("Stage of the journey (optional)"),
        queryset=None,
        required=False,
        empty_label=_("Not about one stage"),
        help_text=_("The step of using the service that your proposal would improve."),
    )

    def __init__(self, *args, categories, stages=(), **kwargs):
        """`stages`: the consultation's stages in journey order, named in the reader's language
        (ConsultationPage.localized_stages); the field is left out when there are none."""
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        if not categories.exists():
            del self.fields["category"]
        if stages:
            names = {stage.pk: stage.name for stage in stages}
            field = self.fields["stage"]
            field.queryset = ConsultationStage.objects.filter(pk__in=names).order_by("sort_order", "pk")
            field.label_from_instance = lambda stage: names[stage.pk]
        else:
            del self.fields["stage"]


class CoauthorInviteForm(forms.Form):
    """The first author invites an address to co-author the proposal (services.coauthor_invite)."""

    email = forms.EmailField(
        label=_("E-mail address of the person to invite"),
        max_length=254,
        help_text=_(
            "They receive an e-mail, and accept with the account that has this address. They are named on "
            "the proposal and may edit it as you can."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_coauthor_%s")
        super().__init__(*args, **kwargs)


class WithdrawForm(forms.Form):
    """Its author withdraws the proposal (services.proposal_withdraw), saying why, publicly."""

    bound_field_class = CountedBoundField

    reason = _text(_("Why do you withdraw it?"), REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_withdraw_%s")
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _up_to(
            gettext("Everyone will read it in the proposal’s history. Up to %(n)s characters."), REASON_MAX
        )


class ProposalFilterForm(forms.Form):
    """The GET form above a proposal list. Invalid values fall back to the defaults; it never errors."""

    ordering = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("-supports", _("Most supported")), ("-created", _("Newest"))],
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    stage = forms.ChoiceField(label=_("Stage of the journey"), required=False)
    area = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, categories, stages=(), areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All areas"))] + [(str(a.pk), a.name) for a in areas]
        if not areas:
            del self.fields["area"]
        self.fields["status"].choices = [("", _("All statuses")), *Status.choices]
        self.fields["category"].choices = [("", _("All categories"))] + [(c.slug, c.name) for c in categories]
        if not categories:
            del self.fields["category"]
        self.fields["stage"].choices = [("", _("All stages"))] + [(s.slug, s.name) for s in stages]
        if not stages:
            del self.fields["stage"]

    def params(self) -> dict:
        """ordering, status, category, stage and area; each valid value as given, or its default."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "ordering": data.get("ordering") or "-supports",
            "status": data.get("status") or None,
            "category": data.get("category") or None,
            "stage": data.get("stage") or None,
            "area": data.get("area") or None,
        }


class DeclaredAreaForm(forms.Form):
    """The area a citizen lives in, in one area set in use (proposals.selectors.DeclarableSet): one of its
    areas, or none. The choices come with the set: no query."""

    area = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)

    def __init__(self, *args, item, **kwargs):
        kwargs.setdefault("auto_id", f"id_area_set_{item.area_set.pk}_%s")
        kwargs.setdefault("initial", {"area": item.declared.pk if item.declared else ""})
        super().__init__(*args, **kwargs)
        self.item = item
        field = self.fields["area"]
        field.label = item.area_set.name
        field.choices = [("", _("I do not say"))] + [(str(area.pk), area.name) for area in item.areas]
        quoted = gettext("“%(title)s”")
        titles = ", ".join(quoted % {"title": page.title} for page in item.consultations)
        field.help_text = gettext("For the consultations %(titles)s.") % {"titles": titles}


class DisplayNameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name"]
        help_texts = {
            "display_name": _(
                "Shown next to your proposals instead of your full name. Leave empty to use your name."
            )
        }


class FlagForm(forms.Form):
    """A report to the moderators. The reasons are radios in a fieldset (see includes/flag_form.html)."""

    bound_field_class = CountedBoundField

    reason = forms.ChoiceField(
        label=_("Why should the moderators look at it?"), choices=FlagReason.choices, widget=forms.RadioSelect
    )
    details = _text(_("Details (optional)"), DETAILS_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["details"].required = False
        self.fields["details"].help_text = _up_to(
            gettext("Anything that helps the moderators decide. Up to %(n)s characters."), DETAILS_MAX
        )


class CommentForm(forms.Form):
    """A comment, a reply or an edit: one text. The proposal and the parent come from the URL; the page
    gives each form on it its own ids (auto_id) and label."""

    bound_field_class = CountedBoundField

    body = _text(_("Your comment"), COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["body"].label = label
        self.fields["body"].help_text = _up_to(
            gettext("Be kind and stay on the subject: everyone can read it. Up to %(n)s characters."),
            COMMENT_MAX,
        )


def _scale(label, choices, required_message) -> forms.TypedChoiceField:
    """A 1-5 scale as radios, each point named in words (proposals.choices): the template puts them in a
    fieldset whose legend is the label."""
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": _("Choose a point from 1 to 5.")},
    )


class CheckInForm(forms.Form):
    """A citizen's check-in on one stage of a consultation's journey. The stage is posted beside it (one form
    per stage on the page, each with its own ids through auto_id); the rules are checkin_save's."""

    bound_field_class = CountedBoundField

    frustration = _scale(
        _("How frustrating was this stage?"), Frustration.choices, _("Choose how frustrating this stage was.")
    )
    motivation = _scale(
        _("How motivated were you still to see it through?"),
        Motivation.choices,
        _("Choose how motivated you still were."),
    )
    gave_up = forms.BooleanField(label=_("I gave up at this stage"), required=False)
    story = _text(_("What happened? (optional)"), STORY_MAX, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["story"].required = False
        self.fields["story"].help_text = _up_to(
            gettext(
                "Moderators read it, and it may be shown on this site without your name. "
                "Up to %(n)s characters."
            ),
            STORY_MAX,
        )


# The e-mail choices of the account page: a frequency per kind of notification, and the master switch.
EMAIL_KIND_LEGENDS = {
    "status": _("When an official changes the status of a proposal I follow"),
    "response": _("When an official responds to a proposal I follow"),
    "threshold": _("When a proposal I wrote or follow reaches its support threshold"),
    "milestone": _("When an accepted proposal I follow moves on in its implementation"),
    "comments": _("When someone comments on a proposal I wrote"),
}


class EmailSettingsForm(forms.Form):
    """The account page's e-mail settings: the master switch and a frequency per kind (radios in a
    fieldset each, legend = the kind). Every kind is required: the page always sends one of each."""

    email_notifications = forms.BooleanField(
        required=False,
        label=_("Send me e-mails about proposals: those I follow, comments on mine, and my supports"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in EMAIL_KINDS:
            self.fields[kind] = forms.ChoiceField(
                label=EMAIL_KIND_LEGENDS[kind], choices=EmailFrequency.choices, widget=forms.RadioSelect
            )

    def kind_fields(self):
        return [self[kind] for kind in EMAIL_KINDS]


def _megabytes(size: int) -> str:
    return number_format(round(size / (1024 * 1024)), force_grouping=True)


def _file_field(label: str, help_text: str, accept: str) -> forms.FileField:
    # `accept` only helps the browser's picker: the content is what is checked (proposals.attachments).
    widget = forms.ClearableFileInput(attrs={"accept": accept})
    return forms.FileField(label=label, required=False, help_text=help_text, widget=widget)


class AttachmentsForm(forms.Form):
    """Up to ATTACHMENTS_PER_KIND images, each with what it shows, and as many PDF documents: optional, sent
    with a proposal or added to it later. Each file is checked from its content (proposals.attachments);
    `prepared` in cleaned_data is what the services keep. `images` and `documents`: how many of each the
    form offers (the room left on the proposal)."""

    def __init__(
        self, *args, images: int = ATTACHMENTS_PER_KIND, documents: int = ATTACHMENTS_PER_KIND, **kw
    ):
        kw.setdefault("auto_id", "id_files_%s")
        super().__init__(*args, **kw)
        image_help = gettext("JPEG, PNG or WebP, up to %(size)s MB. Its location data is removed.") % {
            "size": _megabytes(settings.ATTACHMENT_IMAGE_MAX_BYTES)
        }
        pdf_help = gettext("A PDF document, up to %(size)s MB. Readers download it.") % {
            "size": _megabytes(settings.ATTACHMENT_PDF_MAX_BYTES)
        }
        self.image_rows = []
        for n in range(1, images + 1):
            label = gettext("Image %(n)s (optional)") % {"n": n}
            self.fields[f"image_{n}"] = _file_field(label, image_help, "image/jpeg,image/png,image/webp")
            self.fields[f"alt_text_{n}"] = forms.CharField(
                label=gettext("What image %(n)s shows") % {"n": n},
                required=False,
                help_text=gettext("Required with the image: describe it for those who cannot see it."),
                validators=[MaxLength(ALT_TEXT_MAX)],
            )
            self.image_rows.append((f"image_{n}", f"alt_text_{n}"))
        self.document_names = []
        for n in range(1, documents + 1):
            label = gettext("Document %(n)s (optional)") % {"n": n}
            self.fields[f"document_{n}"] = _file_field(label, pdf_help, "application/pdf")
            self.document_names.append(f"document_{n}")

    def clean(self):
        data = super().clean()
        prepared = []
        for file_name, alt_name in self.image_rows:
            if data.get(file_name):
                prepared.append(
                    self._checked(
                        prepare_image,
                        data[file_name],
                        data.get(alt_name, ""),
                        names={"file": file_name, "alt_text": alt_name},
                    )
                )
            elif (data.get(alt_name) or "").strip():
                self.add_error(file_name, gettext("Choose the image this text describes."))
        for name in self.document_names:
            if data.get(name):
                prepared.append(self._checked(prepare_pdf, data[name], names={"file": name}))
        data["prepared"] = [item for item in prepared if item is not None]
        return data

    def _checked(self, prepare, *args, names: dict):
        try:
            return prepare(*args)
        except ServiceError as error:
            for field, messages in error.fields.items():
                for message in messages:
                    self.add_error(names.get(field), message)
            return None

    def fieldsets(self):
        """The image rows (file and description together), then the documents, as bound fields."""
        return (
            [(self[file], self[alt]) for file, alt in self.image_rows],
            [self[name] for name in self.document_names],
        )


def attachments_form_for(attachments, data=None, files=None) -> AttachmentsForm:
    """The files form offering the room a proposal with these `attachments` has left."""
    images = sum(1 for attachment in attachments if attachment.is_image)
    return AttachmentsForm(
        data,
        files,
        images=ATTACHMENTS_PER_KIND - images,
        documents=ATTACHMENTS_PER_KIND - (len(attachments) - images),
    )
