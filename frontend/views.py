"""Thin HTTP for people: parse, call one service, render or redirect. A ServiceError becomes a form error or a
message, never a 500. Every write here also works without JavaScript; live.js only enhances these forms."""

from dataclasses import replace
from datetime import date

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext, gettext_noop, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authtoken.models import Token

from cms.models import ConsultationCategory, ConsultationPage
from cocreate.accounts import services as account_services
from cocreate.accounts.data_forms import AccountDeleteForm
from cocreate.api_params import strict_query
from cocreate.exceptions import NotFound, ServiceError
from cocreate.forms import add_service_error
from cocreate.throttling import too_many_requests, write_limited
from proposals import notifications, permissions, search, selectors, services
from proposals.api.search import SearchParamsSerializer, search_for, unavailable_message
from proposals.comments_selectors import comment_get, comment_thread
from proposals.models import Comment, Flag, Status
from votes import services as vote_services
from votes.selectors import supported_ids

from .charts import supports_over_time
from .forms import CommentForm, DisplayNameForm, FlagForm, ProposalForm
from .pages import (
    category_names_by_slug,
    category_names_of,
    live_config,
    plural_forms,
    similar_config,
)

NEW_TOKEN_SESSION_KEY = "frontend_new_api_token"  # noqa: S105 - a session key name, not a secret


def _proposal_or_404(request, pk: int):
    try:
        return selectors.proposal_get(proposal_id=pk, user=request.user)
    except NotFound:
        raise Http404("No such proposal.") from None


def proposal_detail(request, pk: int, *, flag_form=None, comment_failed=None):
    proposal = _proposal_or_404(request, pk)
    consultation = proposal.consultation
    consultation.localize_categories([proposal.category])
    context = {
        "proposal": proposal,
        "consultation": consultation,
        # Its title and language in the breadcrumb: its published translation in the reader's language.
        "consultation_shown": consultation.for_reader(),
        "responses": list(proposal.responses.all()),
        "status_changes": list(proposal.audit_entries.status_changes()),
        "history": list(proposal.audit_entries.public().select_related("response")),
        "supported_ids": supported_ids(user=request.user, proposal_ids=[proposal.pk]),
        "may_see_moderation": permissions.can_moderate(request.user)
        or (request.user.is_authenticated and proposal.author_id == request.user.pk),
        "supports_open": proposal.is_published and consultation.is_open(),
        "can_participate": permissions.can_participate(request.user),
        "following": notifications.is_following(user=request.user, proposal=proposal),
        "live_config": live_config(),
        # Supports only move while published: a pending proposal has none, a hidden one is out of view.
        "supports_chart": supports_over_time(proposal=proposal) if proposal.is_published else None,
        **_report_context(request, proposal, flag_form),
        **_comments_context(request, proposal, comment_failed),
    }
    return render(request, "frontend/proposal_detail.html", context)


# How long a rendered chart is kept for the pages that ask for it again (live.js refreshes it after
# supports, each page at most every few seconds): long enough that a popular proposal's watchers share one
# rendering per change, short enough that a new day's bar comes without anyone supporting.
SUPPORTS_CHART_CACHE_SECONDS = 60


@require_GET
def proposal_supports_chart(request, pk: int):
    """The supports-over-time section of a published proposal's page, as HTML, for live.js to put in place
    of the one it shows once supports have changed (the drawing stays the server's). `?version=N`: the
    supports version the page knows of; a rendering cached for that version or a later one is served, any
    other is made afresh, so many pages asking after the same support cost one rendering."""
    try:
        wanted = int(request.GET.get("version", "0"))
    except ValueError:
        return HttpResponseBadRequest(_("The version must be a whole number."), content_type="text/plain")
    proposal = _proposal_or_404(request, pk)
    if not proposal.is_published:
        raise Http404("No such proposal.")
    # No later than the one read now: a version from the future would otherwise never be cached.
    wanted = min(wanted, proposal.supports_version)
    # The creation time too: ids restart in a database made anew, a cache may outlive it.
    key = f"supports_chart_{proposal.pk}_{proposal.created_at.timestamp()}_{get_language()}"
    cached = cache.get(key)
    if cached is not None and cached[0] >= wanted:
        return HttpResponse(cached[1])
    html = render_to_string(
        "frontend/includes/supports_chart.html",
        {"supports_chart": supports_over_time(proposal=proposal)},
        request=request,
    )
    cache.set(key, (proposal.supports_version, html), SUPPORTS_CHART_CACHE_SECONDS)
    return HttpResponse(html)


@write_limited("proposal_submit")
def proposal_submit(request, page_id: int):
    # A translated page's form submits to its consultation, the canonical page.
    consultation = get_object_or_404(ConsultationPage.objects.live().public().of_page(page_id))
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context = {"consultation": consultation.for_reader()}  # its title in the reader's language
    if not permissions.can_participate(request.user):
        return render(request, "frontend/proposal_submit_unverified.html", context)
    if not consultation.is_open():
        return render(request, "frontend/proposal_submit_closed.html", context)

    categories = ConsultationCategory.objects.filter(page=consultation)
    form = ProposalForm(request.POST or None, categories=categories)
    if "category" in form.fields:  # the options named in the reader's language
        names = consultation.category_names()
        form.fields["category"].label_from_instance = lambda category: names.get(category.slug, category.name)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_submit(
                author=request.user, consultation=consultation, **form.cleaned_data
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            if proposal.is_published:
                messages.success(request, _("Thank you: your proposal is published."))
            else:
                messages.success(
                    request,
                    _(
                        "Thank you: your proposal is waiting for moderation. "
                        "It will appear in the list once a moderator has approved it."
                    ),
                )
            return redirect(proposal)
    context["form"] = form
    context["similar_config"] = similar_config(consultation)
    return render(request, "frontend/proposal_submit.html", context)


def search_page(request):
    """Search results, facets and pages from the query string; with no words yet, just the form. Invalid
    parameters are shown as messages above the form, as the API reports them. A search engine that cannot
    answer gives the form and a message asking to retry, with a 503 (so caches and crawlers keep nothing)."""
    context = {"q": request.GET.get("q", "").strip(), "errors": [], "results": None, "consultations": []}
    if not context["q"]:
        return render(request, "frontend/search.html", context)
    params = SearchParamsSerializer(data=strict_query(request.GET))
    if not params.is_valid():
        context["errors"] = [str(m) for messages_ in params.errors.values() for m in messages_]
        return render(request, "frontend/search.html", context)
    try:
        context.update(_search_results(params.validated_data))
    except search.SearchUnavailable:
        context["errors"] = [unavailable_message()]
        response = render(request, "frontend/search.html", context, status=503)
        response["Retry-After"] = str(search.RETRY_AFTER)
        return response
    return render(request, "frontend/search.html", context)


def _search_results(data: dict) -> dict:
    """Proposals, and on the first page the live, public consultations that match, found through Wagtail's
    search backend (the engine when one is configured, else PostgreSQL)."""
    consultations = []
    if data["page"] == 1:
        # Every word must match, as for proposals (Wagtail's engine backend defaults to any word). A
        # handful at most: consultations are few, and proposals are what the page is for.
        found = ConsultationPage.objects.live().public().search(data["q"], operator="and")
        with search.engine_failures_as_unavailable():  # Wagtail's page search uses the same engine
            # A consultation and its translation may both match: it is listed once.
            consultations = ConsultationPage.one_per_consultation(found[:10])[:5]
    results = search_for(data)
    labels = dict(Status.choices)
    # The index holds each category's name in its consultation's original language.
    categories = category_names_of(hit.id for hit in results.hits)
    facets = results.facets.get("category", [])
    facet_names = category_names_by_slug(facet.value for facet in facets)
    return {
        "category_facets": [
            replace(facet, label=facet_names.get(facet.value, facet.label)) for facet in facets
        ],
        "consultations": consultations,
        "results": results,
        "hits": [
            (hit, labels.get(hit.status, hit.status), categories.get(hit.id, hit.category_name))
            for hit in results.hits
        ],
        "filters": {name: data.get(name) for name in ("consultation", "status", "category")},
    }


# When the accessibility statement was last written; change it with the statement.
ACCESSIBILITY_STATEMENT_PREPARED_ON = date(2026, 11, 24)


def accessibility_statement(request):
    return render(
        request,
        "frontend/accessibility.html",
        {
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "prepared_on": ACCESSIBILITY_STATEMENT_PREPARED_ON,
        },
    )


def _safe_next(request, fallback: str) -> str:
    """The page the form was on, if it is on this site; else the fallback."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _support(request, pk: int, *, add: bool):
    if not request.user.is_authenticated:
        messages.info(request, _("Sign in to support proposals."))
        return redirect_to_login(_safe_next(request, reverse("proposal_detail", args=[pk])))
    proposal = _proposal_or_404(request, pk)
    service = vote_services.support_add if add else vote_services.support_withdraw
    try:
        result = service(user=request.user, proposal=proposal)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if add:
            text = _("You support “%(title)s”.") if result.changed else _("You already support “%(title)s”.")
        else:
            text = (
                _("You withdrew your support for “%(title)s”.")
                if result.changed
                else _("You were not supporting “%(title)s”.")
            )
        messages.success(request, text % {"title": proposal.title})
    return redirect(_safe_next(request, proposal.get_absolute_url()))


@require_POST
@write_limited("support")
def proposal_support(request, pk: int):
    return _support(request, pk, add=True)


@require_POST
@write_limited("support")
def proposal_support_withdraw(request, pk: int):
    return _support(request, pk, add=False)


@login_required
def account(request):
    form = DisplayNameForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your public name is saved."))
        return redirect("account")
    context = {
        "form": form,
        "emails": list(EmailAddress.objects.filter(user=request.user).order_by("-primary", "email")),
        "token": Token.objects.filter(user=request.user).first(),
        # Shown once, right after creation: the key is not displayed again.
        "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
    }
    return render(request, "frontend/account.html", context)


@login_required
@require_POST
def account_token(request):
    """Create the API token, or replace it: the old key stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=request.user).delete()
        token = Token.objects.create(user=request.user)
    request.session[NEW_TOKEN_SESSION_KEY] = token.key
    messages.success(request, _("Your new API token is ready. Copy it now: it will not be shown again."))
    return redirect(reverse("account") + "#api-token")


@login_required
@require_POST
def account_token_revoke(request):
    deleted, _rows = Token.objects.filter(user=request.user).delete()
    if deleted:
        messages.success(request, _("Your API token is revoked: scripts using it no longer work."))
    return redirect(reverse("account") + "#api-token")


# Follows, notifications and unsubscribing ------------------------------------------------------------------


@require_POST
@write_limited("follow")
def proposal_follow(request, pk: int, add: bool):
    """Follow (`add`) or stop following; the URL says which."""
    if not request.user.is_authenticated:
        messages.info(request, _("Sign in to follow proposals."))
        return redirect_to_login(_safe_next(request, reverse("proposal_detail", args=[pk])))
    proposal = _proposal_or_404(request, pk)
    try:
        if add:
            notifications.follow_add(user=request.user, proposal=proposal)
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
    return redirect(_safe_next(request, proposal.get_absolute_url()))


@login_required
def notification_list(request):
    """The person's notifications, newest first; opening the list marks nothing read (the button does)."""
    page = Paginator(notifications.notification_list(user=request.user), 30).get_page(request.GET.get("page"))
    items = [(item, notifications.notification_text(item)) for item in page]
    return render(request, "frontend/notifications.html", {"page": page, "items": items})


@login_required
@require_POST
def notifications_read(request):
    if notifications.notifications_mark_read(user=request.user):
        messages.success(request, _("All your notifications are marked as read."))
    return redirect("notifications")


@login_required
@require_POST
def account_notifications(request):
    enabled = request.POST.get("email_notifications") == "on"
    notifications.email_notifications_set(user=request.user, enabled=enabled)
    if enabled:
        messages.success(request, _("You will receive e-mails about the proposals you follow."))
    else:
        messages.success(request, _("You will receive no e-mails about the proposals you follow."))
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
        _("You will receive no more e-mails about the proposals you follow."),
        content_type="text/plain; charset=utf-8",
    )


# Reports to the moderators ("flags"). The forms post without JavaScript; the page says thank you.


def _report_context(request, proposal, flag_form) -> dict:
    user = request.user
    is_author = user.is_authenticated and proposal.author_id == user.pk
    flagged_comments = (
        Flag.objects.filter(reporter=user.pk, comment__proposal=proposal) if user.pk else Flag.objects.none()
    )
    return {
        # Offered on published proposals of someone else's; visitors and unverified citizens are told how.
        "may_report": proposal.is_published and not is_author,
        "can_flag": permissions.can_flag(user),
        "flagged_by_me": user.is_authenticated and proposal.flags.filter(reporter=user).exists(),
        "flag_form": flag_form or FlagForm(auto_id="id_report_%s"),
        # The comments' report forms: unbound (a failed proposal report must not open them all), and the
        # comments of this page's proposal that this viewer already reported.
        "may_report_comments": proposal.is_published,
        "comment_flag_form": FlagForm(),
        "flagged_comment_ids": set(flagged_comments.values_list("comment_id", flat=True)),
    }


def _report(request, *, proposal, comment=None):
    """Validate the report form and call the service. Returns the bound form when it has errors to show,
    else None (the outcome is in the messages)."""
    form = FlagForm(request.POST, auto_id="id_report_%s")
    if not form.is_valid():
        return form
    try:
        target = {"comment": comment} if comment is not None else {"proposal": proposal}
        services.flag_create(reporter=request.user, **target, **form.cleaned_data)
    except ServiceError as error:
        if error.fields:
            add_service_error(form, error)
            return form
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: moderators will look at it."))
    return None


@require_POST
@write_limited("flags")
def proposal_flag(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("proposal_detail", args=[pk]) + "#report")
    proposal = _proposal_or_404(request, pk)
    form = _report(request, proposal=proposal)
    if form is not None:
        return proposal_detail(request, pk, flag_form=form)
    return redirect(proposal)


@require_POST
@write_limited("flags")
def comment_flag(request, pk: int):
    """A comment's report form (shown with ?report=<id>). Its errors come back as a message above the page
    at the comment, where the form is a link again: the reasons are few and the message names what was
    missing."""
    comment = _comment_or_404(request, pk)
    target = _comment_anchor(request, comment)
    if not request.user.is_authenticated:
        return redirect_to_login(target)
    form = _report(request, proposal=comment.proposal, comment=comment)
    if form is not None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(target)


# Comments. Every form posts without JavaScript (comments.js only enhances them) and comes back to the
# comment's anchor; a form with errors is shown again in its place, with the text that was typed.

COMMENTS_PAGE_SIZE = 50
EDIT_PENDING = gettext_noop(
    "Thank you: your edit is waiting for moderation. Until a moderator approves it, others read your "
    "comment as it was."
)


def _comment_forms(user, comment, *, open_for_replies: bool, failed: tuple, reply_to: int | None) -> None:
    """Give one comment of the thread what its template needs: whether this viewer reads its text, its edit
    form, whether it offers a reply, and its reply form when it is the one asked for (`reply_to`, from
    ?reply=<id>) or the one that failed, bound. Other comments only link to theirs: one form per page."""
    key, form = failed
    comment.readable = permissions.can_read_comment_text(user, comment)
    comment.mine = permissions.is_comment_author(user, comment)
    comment.show_reason = comment.mine or permissions.can_moderate_comments(user)
    comment.deletable = permissions.can_delete_comment(user, comment)
    comment.edit_form = None
    if permissions.can_edit_comment(user, comment):
        comment.edit_form = (
            form
            if key == f"edit-{comment.pk}"
            # An edit waiting for moderation is what its author goes on from.
            else CommentForm(
                initial={"body": comment.pending_body if comment.has_pending_edit else comment.body},
                auto_id=f"id_edit{comment.pk}_%s",
            )
        )
    comment.reply_form = None
    comment.can_reply = (
        open_for_replies and comment.parent_id is None and comment.is_published and not comment.is_deleted
    )
    if comment.can_reply and key == f"reply-{comment.pk}":
        comment.reply_form = form
    elif comment.can_reply and comment.pk == reply_to:
        comment.reply_form = CommentForm(auto_id=f"id_reply{comment.pk}_%s", label=_("Your reply"))


def _comments_context(request, proposal, failed=None) -> dict:
    """The thread's page (`?comments=<n>`) with every form it shows. `failed`: the key and bound form of a
    comment form that came back with errors ("new", "reply-<id>" or "edit-<id>")."""
    user = request.user
    failed = failed or ("", None)
    open_ = proposal.is_published and proposal.consultation.is_open()
    may_write = open_ and permissions.can_comment(user)
    page = Paginator(comment_thread(proposal=proposal, user=user), COMMENTS_PAGE_SIZE).get_page(
        request.GET.get("comments")
    )
    reply_to = _comment_id_param(request, "reply")
    for comment in page:
        _comment_forms(user, comment, open_for_replies=may_write, failed=failed, reply_to=reply_to)
        for reply in comment.shown_replies:
            _comment_forms(user, reply, open_for_replies=False, failed=failed, reply_to=None)
    return {
        "comments_page": page,
        "comments_open": open_,
        "can_comment": permissions.can_comment(user),
        "can_moderate_comments": permissions.can_moderate_comments(user),
        "comment_form": failed[1] if failed[0] == "new" else CommentForm(auto_id="id_comment_%s"),
        # The reply form of a comment that arrives live: comments.js puts the comment's id for the 0.
        "reply_template_form": CommentForm(auto_id="id_reply0_%s", label=_("Your reply")),
        "comments_config": comments_config(proposal, last_page=not page.has_next()),
        # ?report=<id>: the one comment whose report form is shown open (the others link to it).
        "report_comment_id": _comment_id_param(request, "report"),
    }


def _comment_id_param(request, name: str) -> int | None:
    """A comment id from the query (?reply=, ?report=); anything else is no id, not an error."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def _comment_anchor(request, comment) -> str:
    """The proposal page at the comment: on the page of the thread that holds its top-level comment."""
    top = comment.parent or comment
    before = (
        comment_thread(proposal=comment.proposal, user=request.user)
        .filter(Q(created_at__lt=top.created_at) | Q(created_at=top.created_at, pk__lt=top.pk))
        .count()
    )
    number = before // COMMENTS_PAGE_SIZE + 1
    query = f"?comments={number}" if number > 1 else ""
    return f"{reverse('proposal_detail', args=[comment.proposal_id])}{query}#comment-{comment.pk}"


def _comment_or_404(request, pk: int):
    try:
        return comment_get(comment_id=pk, user=request.user)
    except NotFound:
        raise Http404("No such comment.") from None


def _comment_failed(request, proposal, key: str, form: CommentForm, error: ServiceError | None = None):
    """The proposal page again, with this form's errors on its field. A refusal that is not about the text
    (not allowed, closed, no such parent) is a message above the page: the form may not even be shown."""
    if error is not None:
        if not set(error.fields) & set(form.fields):
            messages.error(request, error.message)
            return redirect(reverse("proposal_detail", args=[proposal.pk]) + "#comments")
        add_service_error(form, error)
    return proposal_detail(request, proposal.pk, comment_failed=(key, form))


def _posted(request, comment):
    if comment.is_published:
        messages.success(request, _("Your comment is published."))
    else:
        messages.success(request, _("Thank you: your comment is waiting for moderation."))
    return redirect(_comment_anchor(request, comment))


@require_POST
@write_limited("comments")
def comment_post(request, pk: int):
    """A new comment on the proposal, or with ?parent=<id> in the form a reply to that comment."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("proposal_detail", args=[pk]) + "#comments")
    proposal = _proposal_or_404(request, pk)
    parent_id = request.POST.get("parent", "")
    parent = Comment(pk=int(parent_id)) if parent_id.isdigit() else None
    key = f"reply-{parent.pk}" if parent else "new"
    label = _("Your reply") if parent else None
    auto_id = f"id_reply{parent.pk}_%s" if parent else "id_comment_%s"
    form = CommentForm(request.POST, auto_id=auto_id, label=label)
    if not form.is_valid():
        return _comment_failed(request, proposal, key, form)
    try:
        comment = services.comment_post(
            author=request.user, proposal=proposal, body=form.cleaned_data["body"], parent=parent
        )
    except ServiceError as error:
        return _comment_failed(request, proposal, key, form, error)
    return _posted(request, comment)


@require_POST
@write_limited("comments")
def comment_edit(request, pk: int):
    comment = _comment_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(_comment_anchor(request, comment))
    form = CommentForm(request.POST, auto_id=f"id_edit{comment.pk}_%s")
    if not form.is_valid():
        return _comment_failed(request, comment.proposal, f"edit-{comment.pk}", form)
    try:
        comment = services.comment_edit(actor=request.user, comment=comment, body=form.cleaned_data["body"])
    except ServiceError as error:
        if not permissions.can_edit_comment(request.user, comment):
            # Its edit form is no longer on the page (too late, or not theirs): say it above the page.
            messages.error(request, error.message)
            return redirect(_comment_anchor(request, comment))
        return _comment_failed(request, comment.proposal, f"edit-{comment.pk}", form, error)
    if comment.has_pending_edit:
        messages.success(request, _(EDIT_PENDING))
    else:
        messages.success(request, _("Your comment is updated."))
    return redirect(_comment_anchor(request, comment))


@require_POST
@write_limited("comments")
def comment_delete(request, pk: int):
    comment = _comment_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(_comment_anchor(request, comment))
    try:
        services.comment_delete(actor=request.user, comment=comment)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your comment is deleted."))
    return redirect(_comment_anchor(request, comment))


@require_POST
@write_limited("official")
def comment_moderate(request, pk: int):
    """Approve, hide (with a reason) or restore, from the buttons under a comment; the outcome, or what
    went wrong, is a message above the page at the comment."""
    comment = _comment_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(_comment_anchor(request, comment))
    try:
        services.comment_moderate(
            actor=request.user,
            comment=comment,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as error:
        messages.error(request, " ".join([error.message, *(m for ms in error.fields.values() for m in ms)]))
    else:
        messages.success(request, _("The moderation decision is saved."))
    return redirect(_comment_anchor(request, comment))


def comments_config(proposal, *, last_page: bool) -> dict:
    """Translated strings and URLs for comments.js, rendered with json_script (no inline script)."""
    return {
        "proposal": proposal.pk,
        "comments_url": reverse("proposal-comments", args=[proposal.pk]),
        "page_url": proposal.get_absolute_url(),
        "comment_url": reverse("comment-detail", args=[0]),
        # New comments go at the end of the thread: only its last page shows them.
        "last_page": last_page,
        "t": {
            "count": plural_forms(lambda n: ngettext("%(count)s comment", "%(count)s comments", n)),
            "new_comments": plural_forms(lambda n: ngettext("%(n)s new comment", "%(n)s new comments", n)),
            "a_citizen": gettext("A citizen"),
            "former_member": gettext("A former member"),
            "official": pgettext("badge on a comment", "Official"),
            "edited": gettext("edited"),
            "deleted": gettext("This comment was deleted by its author."),
            "hidden": gettext("This comment was hidden by moderation."),
            "reply_to": gettext("Reply to %(author)s’s comment"),
            "report_by": gettext("Report this comment by %(author)s"),
            "updated": gettext("Your comment is updated."),
            "edit_pending": gettext(EDIT_PENDING),
            "deleted_own": gettext("Your comment is deleted."),
            "published": gettext("Your comment is published."),
            "pending": gettext("Thank you: your comment is waiting for moderation."),
            "error": gettext("Something went wrong. Please try again."),
            "offline": gettext("We could not reach the server. Check your connection and try again."),
        },
    }


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
    refused = account_services.holds_role(request.user)
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
