"""The account page (public name, e-mail addresses, the API token), and one's own data: export it, or delete
the account."""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.accounts import selectors as account_selectors
from cocreate.accounts import services as account_services
from cocreate.accounts.data_forms import AccountDeleteForm
from cocreate.accounts.roles import holds_role
from cocreate.exceptions import ServiceError
from cocreate.forms import add_service_error
from cocreate.throttling import too_many_requests, write_limited
from proposals import notifications, selectors, services

from ..forms import DeclaredAreaForm, DisplayNameForm, EmailSettingsForm

NEW_TOKEN_SESSION_KEY = "frontend_new_api_token"  # noqa: S105 - a session key name, not a secret


@login_required
def account(request):
    form = DisplayNameForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your public name is saved."))
        return redirect("account")
    return account_page(request, form=form)


def account_page(request, *, form=None, email_form=None, area_form=None, status: int = 200):
    """The account page, with the forms given (bound, with their errors) or fresh ones."""
    area_forms = [
        area_form if area_form is not None and area_form.item.area_set.pk == item.area_set.pk
        else DeclaredAreaForm(item=item)
        for item in selectors.declarable_sets(user=request.user)
    ]  # fmt: skip
    identity_services = account_selectors.identity_services(request)
    context = {
        "area_forms": area_forms,
        "identity_offered": bool(identity_services),
        "identity_links": account_selectors.identity_links(user=request.user, services=identity_services),
        "form": DisplayNameForm(instance=request.user) if form is None else form,
        "email_form": (
            EmailSettingsForm(initial=notifications.email_settings(request.user))
            if email_form is None
            else email_form
        ),
        "emails": list(EmailAddress.objects.filter(user=request.user).order_by("-primary", "email")),
        "token": account_selectors.token_get(user=request.user),
        # Shown once, right after creation: the key is not displayed again.
        "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
    }
    return render(request, "frontend/account.html", context, status=status)


@login_required
@require_POST
def account_token(request):
    """Create the API token, or replace it: the old key stops working at once."""
    token = account_services.token_create(user=request.user)
    request.session[NEW_TOKEN_SESSION_KEY] = token.key
    messages.success(request, _("Your new API token is ready. Copy it now: it will not be shown again."))
    return redirect(reverse("account") + "#api-token")


@login_required
@require_POST
def account_token_revoke(request):
    if account_services.token_revoke(user=request.user):
        messages.success(request, _("Your API token is revoked: scripts using it no longer work."))
    return redirect(reverse("account") + "#api-token")


@login_required
@require_POST
@write_limited("follow")
def account_area(request):
    """Declare the area one lives in, in one area set in use (`area_set`), or none; back to the account page,
    or the page again with the form's error."""
    area_set_id = request.POST.get("area_set", "")
    item = next(
        (i for i in selectors.declarable_sets(user=request.user) if str(i.area_set.pk) == area_set_id), None
    )
    if item is None:
        raise Http404("No consultation uses this set of areas.")
    form = DeclaredAreaForm(request.POST, item=item)
    if not form.is_valid():
        return account_page(request, area_form=form, status=400)
    try:
        services.declared_area_set(
            user=request.user, area_set_id=item.area_set.pk, area_id=form.cleaned_data["area"]
        )
    except ServiceError as error:
        add_service_error(form, error)
        return account_page(request, area_form=form, status=400)
    if form.cleaned_data["area"] is None:
        messages.success(request, _("Your area is removed for %(name)s.") % {"name": item.area_set.name})
    else:
        messages.success(request, _("Your area is saved for %(name)s.") % {"name": item.area_set.name})
    return redirect(reverse("account") + "#areas")


# Your data: export and account deletion ---------------------------------------------------------------------


@login_required
def account_export(request):
    """Download everything stored about oneself as JSON (see cocreate.accounts.services.account_export)."""
    allowed, wait = account_services.export_allowed(request)
    if not allowed:
        return too_many_requests(request, wait)
    data = account_services.account_export(user=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = account_services.export_filename(request.user)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@write_limited("account_delete")
def account_delete(request):
    """The confirmation page, then the deletion: POST only, with the password (or the username)."""
    refused = holds_role(request.user)
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and not refused and form.is_valid():
        try:
            account_services.account_delete(user=request.user, **form.cleaned_data)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for taking part."))
            return redirect("/")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "frontend/account_delete.html", {"form": form, "refused": refused}, status=status)
