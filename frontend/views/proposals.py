"""A proposal's page, its supports chart, and the form that submits one."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cms.models import ConsultationCategory, ConsultationPage
from cocreate import page_cache
from cocreate.accounts.blocking import is_blocked, refusal_response
from cocreate.exceptions import ServiceError, refuse
from cocreate.forms import add_service_error
from cocreate.throttling import write_limited
from proposals import notifications, permissions, selectors, services, versions
from proposals.coauthor_selectors import coauthor_names, coauthor_rows, coauthors_of, names_joined
from proposals.milestone_selectors import milestone_list
from proposals.models import Flag, Proposal
from proposals.participation import participation_context
from votes.reviews import support_review_latest
from votes.selectors import supports_of

from ..area_maps import proposal_supports_map
from ..charts import supports_over_time
from ..forms import (
    AttachmentsForm,
    CoauthorInviteForm,
    FlagForm,
    ProposalEditForm,
    ProposalForm,
    WithdrawForm,
    attachments_form_for,
)
from ..pages import live_config, similar_config
from . import drafts
from .base import proposal_or_404
from .thread import comments_context


def proposal_detail(
    request,
    pk: int,
    *,
    flag_form=None,
    comment_failed=None,
    withdraw_form=None,
    review_failed=None,
    coauthor_form=None,
):
    # The consultation's generation before anything shown is read, for the live script; and a visitor's
    # page is the same for all of them (cocreate/page_cache.py).
    consultation_id = Proposal.objects.filter(pk=pk).values_list("consultation_id", flat=True).first()
    if consultation_id is not None:
        page_cache.share(request, consultation_id)
    proposal = proposal_or_404(request, pk)
    if proposal.merged_into_id is not None:
        # Merged into another (votes.merging): its reader goes there and is told where they came from.
        return redirect(
            f"{reverse('proposal_detail', args=[proposal.merged_into_id])}?merged_from={proposal.pk}"
        )
    consultation = proposal.consultation
    consultation.localize_categories([proposal.category])
    if proposal.stage is not None:  # named as the reader's language names it
        proposal.stage.name = consultation.stage_names().get(proposal.stage.slug, proposal.stage.name)
    coauthors = coauthors_of(proposal=proposal)
    context = {
        "proposal": proposal,
        "consultation": consultation,
        "coauthors": coauthors,
        "coauthor_names": names_joined(coauthor_names(coauthors)),
        **coauthors_context(request.user, proposal, coauthors, coauthor_form),
        # Its title and language in the breadcrumb: its published translation in the reader's language.
        "consultation_shown": consultation.for_reader(),
        "responses": list(proposal.responses.all()),
        "history": list(proposal.audit_entries.public().select_related("response", "milestone")),
        "revisions": versions.published_revisions(proposal=proposal),
        **edit_context(request.user, proposal, coauthors),
        "may_withdraw": permissions.can_withdraw_proposal(request.user, proposal),
        "withdraw_form": withdraw_form or WithdrawForm(),
        "milestones": milestone_list(proposal=proposal),
        "supported_ids": set(supports := supports_of(user=request.user, proposal_ids=[proposal.pk])),
        # Their support set aside by an official: the page says when and why (votes.invalidations).
        "set_aside": (set_aside := next((s for s in supports.values() if s.invalidation_id), None)),
        # Their request to look at it again: the latest, and the form's errors if it just failed.
        "review": support_review_latest(support=set_aside) if set_aside else None,
        "review_failed": review_failed,
        "may_see_moderation": permissions.can_moderate(request.user)
        or permissions.is_proposal_author(request.user, proposal)
        or _among(request.user, coauthors) is not None,
        "supports_open": permissions.proposal_open(proposal),
        "can_participate": permissions.can_participate(request.user),
        **participation_context(request.user, consultation),
        "following": notifications.is_following(user=request.user, proposal=proposal),
        "live_config": live_config(),
        # Supports only move while published: a pending proposal has none, a hidden one is out of view.
        "supports_chart": supports_over_time(proposal=proposal) if proposal.is_published else None,
        # Its supporters by declared area, when the consultation has areas (frontend.area_maps).
        "supports_map": proposal_supports_map(proposal=proposal) if proposal.is_published else None,
        **report_context(request, proposal, flag_form),
        **comments_context(request, proposal, comment_failed),
        **merged_context(request, proposal),
    }
    return render(request, "frontend/proposal_detail.html", context)


def merged_context(request, proposal) -> dict:
    """The duplicates merged into this proposal, their authors credited, the earliest first; and the one
    the reader came from, if a link to it sent them here (`?merged_from=`)."""
    merged = list(proposal.merged_from.select_related("author").order_by("merged_at", "pk"))
    came_from = request.GET.get("merged_from", "")
    return {
        "merged_from": merged,
        "arrived_from": next((p for p in merged if str(p.pk) == came_from), None),
    }


def edit_context(user, proposal, coauthors: list) -> dict:
    """Whether this reader may edit the proposal now, and until when (None: while nobody else supports it).
    Asked of its authors only (`coauthors`: its co-authors, read for its byline): for anyone else it costs
    no query."""
    if not (permissions.is_proposal_author(user, proposal) or _among(user, coauthors)):
        return {"may_edit": False}
    first = versions.first_other_support_at(proposal=proposal)
    return {
        "may_edit": permissions.can_edit_proposal(user, proposal, first_other_support_at=first),
        "edit_deadline": permissions.proposal_edit_deadline(first),
    }


def coauthors_context(user, proposal, coauthors: list, invite_form=None) -> dict:
    """What the proposal's page shows of its co-authors to this reader: to its first author every
    invitation and the form (no query for anyone else), to a co-author their way to leave (no query:
    `coauthors`, its co-authors, are read for the byline anyway)."""
    if not permissions.is_proposal_author(user, proposal):
        return {"my_coauthorship": _among(user, coauthors)}
    return {
        "manages_coauthors": True,
        "coauthors_max": settings.PROPOSAL_COAUTHORS_MAX,
        "coauthor_rows": list(coauthor_rows(proposal=proposal)),
        "may_invite": permissions.coauthor_invite_refusal(user, proposal) is None,
        "coauthor_form": invite_form or CoauthorInviteForm(),
    }


def _among(user, coauthors: list):
    """The reader's co-authorship among `coauthors`, or None."""
    return next((row for row in coauthors if user.is_authenticated and row.user_id == user.pk), None)


def report_context(request, proposal, flag_form) -> dict:
    user = request.user
    is_author = user.is_authenticated and proposal.author_id == user.pk
    # This viewer's reports of the proposal and of its comments, in one query.
    mine = (
        Flag.objects.filter(Q(proposal=proposal) | Q(comment__proposal=proposal), reporter=user.pk)
        .order_by()
        .values_list("proposal_id", "comment_id")
        if user.pk
        else []
    )
    flagged_comment_ids = set()
    flagged_by_me = False
    for proposal_id, comment_id in mine:
        flagged_by_me = flagged_by_me or proposal_id is not None
        if comment_id is not None:
            flagged_comment_ids.add(comment_id)
    return {
        # Offered on published proposals of someone else's; visitors and unverified citizens are told how.
        "may_report": proposal.is_published and not is_author,
        "can_flag": permissions.can_flag(user),
        "flagged_by_me": flagged_by_me,
        "flag_form": flag_form or FlagForm(auto_id="id_report_%s"),
        # The comments' report forms: unbound (a failed proposal report must not open them all), and the
        # comments of this page's proposal that this viewer already reported.
        # Not for a blocked person: the page says why where the comment form would be.
        "may_report_comments": proposal.is_published and not is_blocked(user),
        "comment_flag_form": FlagForm(),
        "flagged_comment_ids": flagged_comment_ids,
    }


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
    proposal = proposal_or_404(request, pk)
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


def areas_offered(consultation):
    """The areas a proposal of `consultation` (the canonical page) may name, or None when it has none."""
    return selectors.areas_of_set(consultation.area_set_id) if consultation.area_set_id else None


@write_limited("proposal_submit")
def proposal_submit(request, page_id: int):
    # A translated page's form submits to its consultation, the canonical page.
    consultation = get_object_or_404(ConsultationPage.objects.live().public().of_page(page_id))
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_blocked(request.user):  # the form too: the page says why, with the block's reason
        return refusal_response(request, request.user)
    context = {"consultation": consultation.for_reader()}  # its title in the reader's language
    refusal = permissions.submit_refusal(request.user, consultation)
    if refusal == permissions.EMAIL_UNVERIFIED:
        return render(request, "frontend/proposal_submit_unverified.html", context)
    if refusal == permissions.CONSULTATION_CLOSED:
        return render(request, "frontend/proposal_submit_closed.html", context)
    if refusal in (permissions.IDENTITY_REQUIRED, permissions.RESIDENTS_ONLY):
        context.update(participation_context(request.user, consultation))
        return render(request, "frontend/proposal_submit_unqualified.html", context, status=403)

    draft = drafts.draft_from_request(request, consultation)  # the author's draft it continues, if any
    categories = ConsultationCategory.objects.filter(page=consultation)
    form = ProposalForm(
        request.POST or None,
        initial=drafts.draft_initial(draft),
        categories=categories,
        stages=consultation.localized_stages(),
        areas=areas_offered(consultation),
    )
    if "category" in form.fields:  # the options named in the reader's language
        names = consultation.category_names()
        form.fields["category"].label_from_instance = lambda category: names.get(category.slug, category.name)
    files_form = AttachmentsForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and drafts.SAVE_DRAFT in request.POST:
        saved = drafts.save_draft(request, consultation, form, draft)
        if saved is not None:
            return saved
    elif request.method == "POST" and all([form.is_valid(), files_form.is_valid()]):
        if draft is not None:  # submitted like any proposal; the draft goes in its transaction
            submit = partial(services.draft_submit, author=request.user, draft=draft, **form.cleaned_data)
        else:
            submit = partial(
                services.proposal_submit, author=request.user, consultation=consultation, **form.cleaned_data
            )
        try:
            proposal = services.submitted_with(files=files_form.cleaned_data["prepared"], submit=submit)
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
    context["files_form"] = files_form
    context["similar_config"] = similar_config(consultation)
    context.update(drafts.draft_context(request, consultation, draft))
    return render(request, "frontend/proposal_submit.html", context)


@write_limited("proposal_edit")
def proposal_edit(request, pk: int, *, files_form=None):
    """Its author edits their proposal's text (services.proposal_edit) and its files (views.attachments);
    anyone else, or the author once the rule says no more, is told why instead of the forms. `files_form`:
    the files form with its errors, from views.attachments."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_blocked(request.user):
        return refusal_response(request, request.user)
    proposal = proposal_or_404(request, pk)
    context = {"proposal": proposal, "consultation_shown": proposal.consultation.for_reader()}
    first = versions.first_other_support_at(proposal=proposal)
    try:
        refuse(
            permissions.edit_refusal(request.user, proposal, first_other_support_at=first),
            services.EDIT_REFUSALS,
        )
    except ServiceError as error:
        context["refusal"] = error.message
        return render(request, "frontend/proposal_edit.html", context, status=error.http_status)
    initial = {
        "title": proposal.title,
        "summary": proposal.summary,
        "body": proposal.body,
        "area": proposal.area_id,
    }
    text_posted = request.method == "POST" and files_form is None
    form = ProposalEditForm(
        request.POST if text_posted else None, initial=initial, areas=areas_offered(proposal.consultation)
    )
    if text_posted and form.is_valid():
        was_published = proposal.is_published
        try:
            proposal = services.proposal_edit(actor=request.user, proposal=proposal, **form.cleaned_data)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _edited_message(was_published, proposal.is_published))
            return redirect(proposal)
    attachments = list(proposal.attachments.all())
    context.update(
        form=form,
        edit_deadline=permissions.proposal_edit_deadline(first),
        attachments=attachments,
        files_form=files_form or attachments_form_for(attachments),
    )
    return render(request, "frontend/proposal_edit.html", context, status=400 if files_form else 200)


def _edited_message(was_published: bool, published: bool) -> str:
    if published:
        return _("Your proposal is updated. Its history shows what changed.")
    if was_published:  # a pre-moderated consultation: back to the moderators
        return _(
            "Your changes are saved. A moderator will read them: until then, your proposal is not shown "
            "in the list."
        )
    return _("Your changes are saved.")


@require_POST
@write_limited("proposal_edit")
def proposal_withdraw(request, pk: int):
    """Its author withdraws the proposal with a reason (services.proposal_withdraw): back to its page, told
    it is done or why not; a form's errors show the page again with them."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("proposal_detail", args=[pk]))
    if is_blocked(request.user):
        return refusal_response(request, request.user)
    proposal = proposal_or_404(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_withdraw(actor=request.user, proposal=proposal, **form.cleaned_data)
        except ServiceError as error:  # not the author, or withdrawn already: said above the page
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Your proposal is withdrawn. It stays readable, marked as withdrawn.")
            )
        return redirect(proposal)
    response = proposal_detail(request, pk, withdraw_form=form)
    response.status_code = 400
    return response
