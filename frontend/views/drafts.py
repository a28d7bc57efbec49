"""A proposal saved unfinished, on the form that submits one: the form's "Save as a draft", coming back to
a draft (`?draft=<id>`), and deleting one. Drafts are their author's alone (services.drafts)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.exceptions import NotFound, ServiceError
from cocreate.forms import add_service_error
from cocreate.throttling import write_limited
from proposals import selectors, services

DRAFT_FIELD = "draft"  # the form's hidden field, and the query parameter, naming the draft
SAVE_DRAFT = "save_draft"  # the name of the form's "Save as a draft" button


def draft_from_request(request, consultation):
    """The author's draft the form works on (POST's hidden field, or the page's `?draft=`), or None; 404
    for a draft that is not theirs or not of this consultation."""
    draft_id = request.POST.get(DRAFT_FIELD) or request.GET.get(DRAFT_FIELD)
    if not draft_id:
        return None
    try:
        draft = services.draft_get(author=request.user, draft_id=draft_id)
    except NotFound:
        raise Http404("No such draft.") from None
    if draft.consultation_id != consultation.pk:
        raise Http404("No such draft.")
    return draft


def draft_initial(draft) -> dict:
    if draft is None:
        return {}
    return {
        "title": draft.title,
        "summary": draft.summary,
        "body": draft.body,
        "category": draft.category_id,
        "stage": draft.stage_id,
        "area": draft.area_id,
    }


def draft_context(request, consultation, draft) -> dict:
    return {
        "draft": draft,
        "drafts": list(selectors.draft_list(author=request.user, consultation_id=consultation.pk)),
        "draft_field": DRAFT_FIELD,
        "save_draft": SAVE_DRAFT,
    }


def save_draft(request, consultation, form, draft):
    """The form's text kept as a draft, however unfinished: back to the form, on that draft. None when the
    service refused (its error is then on the form)."""
    form.is_valid()  # the choices that are valid (category, stage) are read from it; the texts as typed
    cleaned = getattr(form, "cleaned_data", {})
    try:
        draft = services.draft_save(
            author=request.user,
            consultation=consultation,
            draft=draft,
            title=request.POST.get("title", ""),
            summary=request.POST.get("summary", ""),
            body=request.POST.get("body", ""),
            category=cleaned.get("category"),
            stage=cleaned.get("stage"),
            area=cleaned.get("area"),
        )
    except ServiceError as error:
        form.errors.clear()  # only the draft's own errors: an unfinished text is what a draft is for
        add_service_error(form, error)
        return None
    messages.success(request, _("Your draft is saved. Only you can see it: come back to it from this form."))
    url = reverse("proposal_submit", args=[consultation.pk])
    return redirect(f"{url}?{DRAFT_FIELD}={draft.pk}")


@require_POST
@write_limited("proposal_edit")
def draft_delete(request, pk: int):
    if not request.user.is_authenticated:
        raise Http404("No such draft.")
    try:
        draft = services.draft_get(author=request.user, draft_id=pk)
    except NotFound:
        raise Http404("No such draft.") from None
    services.draft_delete(author=request.user, draft=draft)
    messages.success(request, _("Your draft is deleted."))
    return redirect("proposal_submit", draft.consultation_id)
