"""Writing comments: post, reply, edit, delete, and moderate from the buttons under one. Each comes back to
the comment's anchor on the proposal's page; a form with errors is that page again, the form in its place
with the text that was typed (see thread.py for what the page shows)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.exceptions import ServiceError
from cocreate.forms import add_service_error
from cocreate.throttling import write_limited
from proposals import permissions, services
from proposals.models import Comment

from ..forms import CommentForm
from .base import proposal_or_404
from .proposals import proposal_detail
from .thread import EDIT_PENDING, comment_anchor, comment_or_404, thread_sort


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
    return redirect(comment_anchor(request, comment))


@require_POST
@write_limited("comments")
def comment_post(request, pk: int):
    """A new comment on the proposal, or with ?parent=<id> in the form a reply to that comment."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("proposal_detail", args=[pk]) + "#comments")
    proposal = proposal_or_404(request, pk)
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
    comment = comment_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(comment_anchor(request, comment))
    form = CommentForm(request.POST, auto_id=f"id_edit{comment.pk}_%s")
    if not form.is_valid():
        return _comment_failed(request, comment.proposal, f"edit-{comment.pk}", form)
    try:
        comment = services.comment_edit(actor=request.user, comment=comment, body=form.cleaned_data["body"])
    except ServiceError as error:
        if not permissions.can_edit_comment(request.user, comment):
            # Its edit form is no longer on the page (too late, or not theirs): say it above the page.
            messages.error(request, error.message)
            return redirect(comment_anchor(request, comment))
        return _comment_failed(request, comment.proposal, f"edit-{comment.pk}", form, error)
    if comment.has_pending_edit:
        messages.success(request, _(EDIT_PENDING))
    else:
        messages.success(request, _("Your comment is updated."))
    return redirect(comment_anchor(request, comment))


@require_POST
@write_limited("comments")
def comment_delete(request, pk: int):
    comment = comment_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(comment_anchor(request, comment))
    try:
        services.comment_delete(actor=request.user, comment=comment)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your comment is deleted."))
    return redirect(comment_anchor(request, comment))


@require_POST
@write_limited("official")
def comment_moderate(request, pk: int):
    """Approve, hide (with a reason) or restore, from the buttons under a comment; the outcome, or what
    went wrong, is a message above the page at the comment."""
    comment = comment_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(comment_anchor(request, comment))
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
    return redirect(comment_anchor(request, comment))


@require_POST
@write_limited("helpful")
def comment_helpful(request, pk: int):
    """The helpful button under a comment: `helpful=1` marks it, `helpful=0` takes the mark back. Back to the
    comment in the thread's order (`sort`), the outcome in a message above the page."""
    withdraw = request.POST.get("helpful") == "0"
    comment = comment_or_404(request, pk, to_unmark=withdraw)
    sort = thread_sort(request.POST)
    if not request.user.is_authenticated:
        return redirect_to_login(comment_anchor(request, comment, sort))
    try:
        if withdraw:
            services.comment_helpful_withdraw(user=request.user, comment=comment)
        else:
            services.comment_helpful_mark(user=request.user, comment=comment)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your helpful mark is withdrawn.") if withdraw else _("You marked this comment as helpful."),
        )
    return redirect(comment_anchor(request, comment, sort))
