"""The citizen's check-in page: for each stage of a consultation's journey they went through, how frustrating
it was, how motivated they still were, whether they gave up there and what happened. One form per stage, so
each saves (or is deleted) on its own, without JavaScript; after a save or a deletion the page comes back at
that stage's anchor with a message naming it. A form with errors is the page again, the form in its place
with what was chosen and typed, its errors summarised above it."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cms.models import ConsultationPage
from cocreate.accounts.blocking import is_blocked, refusal_response
from cocreate.exceptions import ServiceError
from cocreate.forms import add_service_error
from cocreate.throttling import write_limited
from proposals import permissions, selectors, services
from proposals.models import Visibility

from ..forms import CheckInForm


def _auto_id(stage) -> str:
    return f"id_stage{stage.pk}_%s"


def _anchor(stage) -> str:
    return f"stage-{stage.pk}"


def _initial(checkin) -> dict:
    if checkin is None:
        return {}
    return {
        "frustration": checkin.frustration,
        "motivation": checkin.motivation,
        "gave_up": checkin.gave_up,
        "story": checkin.story,
    }


def _posted_stage_id(request) -> int | None:
    value = request.POST.get("stage", "")
    return int(value) if value.isdigit() else None


@write_limited("checkins")
def checkin_page(request, page_id: int):
    # A translated page's link checks in on its consultation, the canonical page.
    consultation = get_object_or_404(ConsultationPage.objects.live().public().of_page(page_id))
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_blocked(request.user):  # the form too: the page says why, with the block's reason
        return refusal_response(request, request.user)
    context = {"consultation": consultation.for_reader()}  # its title in the reader's language
    refusal = permissions.checkin_refusal(request.user, consultation)
    if refusal == permissions.EMAIL_UNVERIFIED:
        return render(request, "frontend/checkin_unverified.html", context)
    if refusal == permissions.CONSULTATION_CLOSED:
        return render(request, "frontend/checkin_closed.html", context)
    stages = consultation.localized_stages()  # named in the reader's language
    if not stages:
        raise Http404("This consultation has no journey to check in on.")
    checkins = selectors.checkins_of(author=request.user, consultation=consultation)

    failed: tuple[int, CheckInForm] | None = None  # the stage whose form comes back with errors
    page_error = None  # a post about no stage of this journey: said above the page
    if request.method == "POST":
        stage_id = _posted_stage_id(request)
        stage = next((stage for stage in stages if stage.pk == stage_id), None)
        if stage is None:
            page_error = _("This stage is not part of this consultation's journey.")
        elif "delete" in request.POST:
            return _delete(request, consultation, stage, checkins.get(stage.pk))
        else:
            form = CheckInForm(request.POST, auto_id=_auto_id(stage))
            if form.is_valid():
                try:
                    checkin, created = services.checkin_save(
                        author=request.user, consultation=consultation, stage_id=stage.pk, **form.cleaned_data
                    )
                except ServiceError as error:
                    add_service_error(form, error)
                else:
                    return _saved(request, consultation, stage, checkin, created)
            failed = (stage.pk, form)

    items = []
    for stage in stages:
        checkin = checkins.get(stage.pk)
        if failed and failed[0] == stage.pk:
            form = failed[1]
        else:
            form = CheckInForm(initial=_initial(checkin), auto_id=_auto_id(stage))
        items.append({"stage": stage, "checkin": checkin, "form": form, "anchor": _anchor(stage)})
    context.update(
        {"items": items, "page_error": page_error, "done": sum(1 for item in items if item["checkin"])}
    )
    return render(request, "frontend/checkin.html", context)


def _back_to(consultation, stage) -> str:
    return reverse("checkin", args=[consultation.pk]) + f"#{_anchor(stage)}"


def _saved(request, consultation, stage, checkin, created: bool):
    if created:
        message = _("Thank you: your answers about “%(stage)s” are saved.")
    else:
        message = _("Your answers about “%(stage)s” are updated.")
    message = message % {"stage": stage.name}
    if checkin.visibility == Visibility.PENDING:
        message += " " + _("What you wrote will be shown once a moderator has read it.")
    messages.success(request, message)
    return redirect(_back_to(consultation, stage))


def _delete(request, consultation, stage, checkin):
    if checkin is None:  # already deleted, in another tab
        messages.info(request, _("You have no answers about “%(stage)s” to delete.") % {"stage": stage.name})
        return redirect(_back_to(consultation, stage))
    try:
        services.checkin_delete(actor=request.user, checkin_id=checkin.pk)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your answers about “%(stage)s” are deleted.") % {"stage": stage.name})
    return redirect(_back_to(consultation, stage))
