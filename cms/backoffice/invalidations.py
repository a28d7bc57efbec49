"""Setting a proposal's supports aside in the Wagtail admin (/cms/proposals/<id>/supports/set-aside/),
linked from the proposal's page: the form over votes.invalidations.supports_invalidate, and the sets of
supports already set aside. Officials only, as the service. The form may come filled from its address
(`?address_hashes=…&domains=…`), so the supports review can link a flag to it."""

import re

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cocreate.exceptions import NotAllowed, NotFound, ServiceError
from cocreate.forms import add_service_error
from proposals import permissions
from proposals.services import REASON_MAX
from votes.invalidations import supports_invalidate
from votes.models import ReviewDecision
from votes.reviews import MESSAGE_MAX, open_reviews, support_review_decide
from votes.selectors import invalidations_list

from .views import ProposalSubpageMixin, forbidden

_SEPARATORS = re.compile(r"[\s,;]+")


def _many(label, help_text) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, help_text=help_text, widget=forms.Textarea(attrs={"rows": 2})
    )


def _day(label, help_text) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class SetAsideForm(forms.Form):
    """Only shapes the input: the rules (at least one criterion, a reason, valid values) are the
    service's, whose errors land on these fields."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Public: the proposal's history shows it, and the citizens concerned read it."
        ),
    )
    address_hashes = _many(
        gettext_lazy("Address hashes"),
        gettext_lazy(
            "The full keyed hashes (16 characters), one per line, as the supports review links them."
        ),
    )
    domains = _many(gettext_lazy("E-mail domains"), gettext_lazy("One per line, like example.org."))
    joined_from = _day(gettext_lazy("Signed up from"), gettext_lazy("The first sign-up day of the window."))
    joined_to = _day(
        gettext_lazy("Signed up until"), gettext_lazy("The last sign-up day of the window, included.")
    )
    user_ids = _many(gettext_lazy("Accounts"), gettext_lazy("Account numbers, one per line."))

    def link_errors(self) -> None:
        """Each field with errors names them to assistive technology: its aria-describedby points at the
        errors' container (the template gives it the id), then at its help."""
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-errors id_{name}-helptext"

    def values(self, name: str) -> list[str]:
        return [value for value in _SEPARATORS.split(self.cleaned_data.get(name) or "") if value]

    def criteria(self) -> dict:
        return {
            "address_hashes": self.values("address_hashes"),
            "domains": self.values("domains"),
            "joined_from": self.cleaned_data.get("joined_from"),
            "joined_to": self.cleaned_data.get("joined_to"),
            "user_ids": self.values("user_ids"),
        }


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=ReviewDecision.choices, widget=forms.HiddenInput)
    reply = forms.CharField(
        label=gettext_lazy("Reply to the citizen"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Needed to keep it set aside; the citizen reads it on the proposal's page."),
    )

    def __init__(self, *args, review_id: int, **kwargs):
        # One form per request on the page: their ids must differ.
        kwargs.setdefault("auto_id", f"id_review_{review_id}_%s")
        super().__init__(*args, **kwargs)
        self.review_id = review_id
        self.errors_id = f"id_review_{review_id}_reply-errors"

    def link_errors(self) -> None:
        """As SetAsideForm.link_errors: the reply names its errors, then its help."""
        if "reply" in self.errors:
            help_id = f"id_review_{self.review_id}_reply-helptext"
            self.fields["reply"].widget.attrs["aria-describedby"] = f"{self.errors_id} {help_id}"


CRITERIA_IN_ADDRESS = ("address_hashes", "domains", "joined_from", "joined_to", "user_ids")


class SupportsSetAsideView(ProposalSubpageMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "backoffice/supports_set_aside.html"
    header_icon = "warning"
    page_label = gettext_lazy("Set aside supports")

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_set_aside_supports(request.user):
            return forbidden(request, _("Only officials can set supports aside or count them again."))
        self.load_proposal(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, review_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        if form is None:
            initial = {name: "\n".join(self.request.GET.getlist(name)) for name in CRITERIA_IN_ADDRESS}
            form = SetAsideForm(initial={name: value for name, value in initial.items() if value})
        context.update(
            proposal=self.proposal,
            form=form,
            invalidations=invalidations_list(proposal=self.proposal),
            reviews=[
                (
                    review,
                    review_form
                    if review_form and review_form.review_id == review.pk
                    else ReviewDecisionForm(review_id=review.pk),
                )
                for review in open_reviews(proposal_id=self.proposal.pk)
            ],
        )
        return context

    def post(self, request, *args, **kwargs):
        form = SetAsideForm(request.POST)
        if form.is_valid():
            try:
                result = supports_invalidate(
                    actor=request.user,
                    proposal=self.proposal,
                    reason=form.cleaned_data["reason"],
                    **form.criteria(),
                )
            except NotAllowed as error:
                return forbidden(request, error.message)
            except ServiceError as error:
                _place(form, error)
            else:
                messages.success(request, _done(result))
                return HttpResponseRedirect(
                    reverse("cms_proposals:supports_set_aside", args=[self.proposal.pk])
                )
        form.link_errors()
        messages.error(request, _("No support was set aside: see the errors below."))
        return TemplateResponse(request, self.template_name, self.get_context_data(form=form), status=400)


def _place(form: SetAsideForm, error: ServiceError) -> None:
    """The service's errors on their fields; one about the criteria as a whole (none given) at the top."""
    about_all = error.fields.pop("criteria", [])
    for message in about_all:
        form.add_error(None, message)
    if error.fields or not about_all:
        add_service_error(form, error)


def _done(result) -> str:
    count = result.invalidation.set_aside
    message = ngettext(
        "%(count)s support set aside: the proposal now counts %(supports)s.",
        "%(count)s supports set aside: the proposal now counts %(supports)s.",
        count,
    ) % {"count": count, "supports": result.supports}
    if result.promise_withdrawn:
        message += " " + _(
            "The supports left no longer reach the threshold: the promise of a response is withdrawn."
        )
    return message


class SupportReviewDecideView(SupportsSetAsideView):
    """POST only: an official decides a citizen's request, from the set-aside page, which shows the
    form's errors again."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if not any(review.pk == kwargs["review_id"] for review in open_reviews(proposal_id=self.proposal.pk)):
            raise Http404  # another proposal's, or decided already
        form = ReviewDecisionForm(request.POST, review_id=kwargs["review_id"])
        if form.is_valid():
            try:
                review = support_review_decide(
                    actor=request.user, review_id=form.review_id, **form.cleaned_data
                )
            except NotAllowed as error:
                return forbidden(request, error.message)
            except NotFound:
                raise Http404 from None
            except ServiceError as error:
                add_service_error(form, error)
            else:
                counted = review.decision == ReviewDecision.REINSTATED
                messages.success(
                    request, _("The support counts again.") if counted else _("The support stays set aside.")
                )
                return HttpResponseRedirect(
                    reverse("cms_proposals:supports_set_aside", args=[self.proposal.pk])
                )
        form.link_errors()
        messages.error(request, _("The request was not decided: see the errors below."))
        return TemplateResponse(
            request, self.template_name, self.get_context_data(review_form=form), status=400
        )
