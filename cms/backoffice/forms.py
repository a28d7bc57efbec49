"""Forms of the officials' proposal tools in the Wagtail admin. They only shape the input: the rules (a
reason to hide, known statuses, lengths) are the services', whose errors land back on these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cms.models import ConsultationPage
from proposals.models import MilestoneState, Status
from proposals.services import (
    BODY_MAX,
    COMMENT_MODERATION_CHOICES,
    MODERATION_CHOICES,
    NOTE_MAX,
    REASON_MAX,
    TITLE_MAX,
)


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


def _day(label, help_text="", *, required=True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class MilestoneAddForm(forms.Form):
    title = forms.CharField(
        label=_("Step"), max_length=TITLE_MAX, help_text=_("What will be done, as the public will read it.")
    )
    planned_for = _day(_("Planned for"))
    note = _optional_text(
        _("Note"), _("Public: shown with the step and in the proposal's history."), NOTE_MAX
    )

    def __init__(self, *args, **kwargs):
        # Shown next to the status form, which has a `note` field too: ids must differ.
        kwargs.setdefault("auto_id", "id_milestone_%s")
        super().__init__(*args, **kwargs)


class MilestoneUpdateForm(forms.Form):
    """One change of one step: a new state with the day it happened, or a new planned day. The service says
    what may follow what; each step has its own form on the page, with its own ids."""

    state = forms.ChoiceField(
        label=_("New state"),
        required=False,
        choices=[
            ("", _("Reschedule: keep the state")),
            (MilestoneState.IN_PROGRESS, _("Started")),
            (MilestoneState.DONE, _("Done")),
        ],
    )
    on = _day(_("On"), _("The day it started or was done; today if left empty."), required=False)
    planned_for = _day(_("New planned date"), _("Only to reschedule."), required=False)
    note = _optional_text(
        _("Note"), _("Public: shown with the step and in the proposal's history."), NOTE_MAX
    )

    def __init__(self, *args, milestone_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"id_milestone_{milestone_id}_%s")
        super().__init__(*args, **kwargs)


class ConsultationFilterForm(forms.Form):
    consultation = forms.ModelChoiceField(
        label=_("Consultation"),
        queryset=ConsultationPage.objects.canonical().order_by("-opens_at"),
        empty_label=_("Choose a consultation"),
    )
