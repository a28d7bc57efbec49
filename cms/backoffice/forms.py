"""Forms of the officials' proposal tools in the Wagtail admin. They only shape the input: the rules (a
reason to hide, known statuses, lengths) are the services', whose errors land back on these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.models import ConsultationPage
from proposals.models import Status
from proposals.services import BODY_MAX, COMMENT_MODERATION_CHOICES, MODERATION_CHOICES, NOTE_MAX, REASON_MAX


def _optional_text(label, help_text, limit: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=help_text,
    )


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=MODERATION_CHOICES, widget=forms.HiddenInput)
    reason = _optional_text(_("Reason shown to the author"), _("Required to hide a proposal."), REASON_MAX)


class CommentModerationForm(ModerationForm):
    """A comment's decisions: a proposal's, and approving or rejecting its author's edit held back."""

    action = forms.ChoiceField(choices=COMMENT_MODERATION_CHOICES, widget=forms.HiddenInput)


class DismissFlagsForm(forms.Form):
    reason = _optional_text(
        _("Note for the audit trail"), _("Optional: why the item stays as it is."), REASON_MAX
    )

    def __init__(self, *args, **kwargs):
        # Shown next to the moderation form, which has a `reason` field too: ids must differ.
        kwargs.setdefault("auto_id", "id_dismiss_%s")
        super().__init__(*args, **kwargs)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    note = _optional_text(_("Note"), _("Kept in the proposal's history."), NOTE_MAX)


class ResponseForm(forms.Form):
    body = forms.CharField(
        label=_("Official response"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", _("No decision: keep the current status")), *Status.choices],
        help_text=_("If given, it becomes the proposal's status."),
    )


class ConsultationFilterForm(forms.Form):
    consultation = forms.ModelChoiceField(
        label=_("Consultation"),
        queryset=ConsultationPage.objects.canonical().order_by("-opens_at"),
        empty_label=_("Choose a consultation"),
    )
