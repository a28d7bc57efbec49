"""Forms of the officials' proposal tools in the Wagtail admin. They only shape the input: the rules (a
reason to hide, known statuses, lengths) are the services', whose errors land back on these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.models import Status
from proposals.services import BODY_MAX, MODERATION_CHOICES, NOTE_MAX, REASON_MAX

from .models import ConsultationPage


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=MODERATION_CHOICES, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason shown to the author"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to hide a proposal."),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the proposal's history."),
    )


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
        queryset=ConsultationPage.objects.order_by("-opens_at"),
        empty_label=_("Choose a consultation"),
    )
