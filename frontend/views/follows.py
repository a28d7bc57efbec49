"""Following proposals, the notifications that follows bring, and unsubscribing from their e-mails."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cocreate.exceptions import NotFound, ServiceError
from cocreate.throttling import write_limited
from proposals import notifications

from ..forms import EmailSettingsForm
from .account import account_page
from .base import proposal_or_404, safe_next


@require_POST
@write_limited("follow")
def proposal_follow(request, pk: int, add: bool):
    """Follow (`add`) or stop following; the URL says which."""
    if not request.user.is_authenticated:
        messages.info(request, _("Sign in to follow proposals."))
        return redirect_to_login(safe_next(request, reverse("proposal_detail", args=[pk])))
    proposal = proposal_or_404(request, pk)
    try:
        if add:
            proposal, _created = notifications.follow_add(user=request.user, proposal=proposal)
        else:
            notifications.follow_remove(user=request.user, proposal=proposal)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        text = (
            _("You follow “%(title)s”: you will be told when its status changes or an official responds.")
            if add
            else _("You no longer follow “%(title)s”.")
        )
        messages.success(request, text % {"title": proposal.title})
    return redirect(safe_next(request, proposal.get_absolute_url()))


@login_required
def notification_list(request):
    """The person's notifications, newest first; opening the list marks nothing read (the button does)."""
    page = Paginator(notifications.notification_list(user=request.user), 30).get_page(request.GET.get("page"))
    items = [
        (item, notifications.notification_text(item), notifications.notification_url(item)) for item in page
    ]
    return render(request, "frontend/notifications.html", {"page": page, "items": items})


@login_required
@require_POST
def notifications_read(request):
    if notifications.notifications_mark_read(user=request.user):
        messages.success(request, _("All your notifications are marked as read."))
    return redirect("notifications")


@login_required
@require_POST
@write_limited("follow")
def account_notifications(request):
    """The e-mail settings of the account page: the master switch and a frequency per kind."""
    form = EmailSettingsForm(request.POST)
    if not form.is_valid():
        return account_page(request, email_form=form, status=400)
    values = dict(form.cleaned_data)
    enabled = values.pop("email_notifications")
    notifications.email_settings_set(user=request.user, email_notifications=enabled, frequencies=values)
    if enabled:
        messages.success(request, _("Your e-mail settings are saved."))
    else:
        messages.success(
            request, _("You will receive no e-mails about proposals. E-mails about your account still come.")
        )
    return redirect(reverse("account") + "#email-notifications")


@write_limited("follow")
def unsubscribe(request, token: str):
    """The link in every notification e-mail, for people who may not be signed in. GET only shows the
    choices (mail scanners follow links); a POST of the form acts."""
    try:
        person, proposal = notifications.unsubscribe_user(token)
    except NotFound:
        return render(request, "frontend/unsubscribe.html", {"invalid": True}, status=404)
    done = ""
    if request.method == "POST":
        choice = request.POST.get("action")
        if choice == "all":
            notifications.email_notifications_set(user=person, enabled=False)
            done = "all"
        elif choice == "unfollow" and proposal is not None:
            notifications.follow_remove(user=person, proposal=proposal)
            done = "unfollow"
    context = {"token": token, "person": person, "proposal": proposal, "done": done}
    return render(request, "frontend/unsubscribe.html", context)


@csrf_exempt  # RFC 8058: mail programs POST here without a session; the signed token is the protection
@require_POST
def unsubscribe_one_click(request, token: str):
    try:
        person, _proposal = notifications.unsubscribe_user(token)
    except NotFound as error:
        return HttpResponse(error.message, status=404, content_type="text/plain; charset=utf-8")
    notifications.email_notifications_set(user=person, enabled=False)
    return HttpResponse(
        _("You will receive no more e-mails about proposals. E-mails about your account still come."),
        content_type="text/plain; charset=utf-8",
    )
