"""Merging duplicates in the Wagtail admin (/cms/proposals/<id>/merge/), linked from the proposal's page:
an official ticks the duplicates among the other proposals of its consultation and gives a reason; the
page then shows what the proposal would count, and the merge happens once they confirm (votes.merging).
Officials only, as the service."""

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cocreate.exceptions import NotAllowed, ServiceError
from cocreate.forms import add_service_error
from proposals import permissions
from proposals.models import MOST_SUPPORTED, Proposal
from proposals.services import REASON_MAX
from proposals.services.merging import MERGE_SOURCES_MAX
from votes.merging import merge_preview, proposals_merge

from .views import ProposalSubpageMixin, forbidden


class MergeForm(forms.Form):
    """Only shapes the input: the rules (same consultation, not merged, a reason) are the service's,
    whose errors land on these fields."""

    sources = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Duplicates to merge into this proposal"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Their supports, followers and comments come here; their pages lead here."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Public: the history of every proposal involved shows it, and their authors read it."
        ),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].choices = [
            (
                p.pk,
                f"{p.title} · {p.author.public_name if p.author else _('a former member')} · "
                + ngettext("%(n)s support", "%(n)s supports", p.supports_count) % {"n": p.supports_count},
            )
            for p in candidates
        ]

    def link_errors(self) -> None:
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-errors id_{name}-helptext"


class ProposalMergeView(ProposalSubpageMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "backoffice/proposal_merge.html"
    header_icon = "resubmit"
    page_label = gettext_lazy("Merge duplicates")

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_merge_proposals(request.user):
            return forbidden(request, _("Only officials can merge proposals."))
        self.load_proposal(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def candidates(self):
        """The other proposals of its consultation that may be merged into it, the most supported first."""
        return (
            Proposal.objects.listed()
            .for_consultation(self.proposal.consultation_id)
            .exclude(pk=self.proposal.pk)
            .select_related("author")
            .order_by(*MOST_SUPPORTED)[:200]
        )

    def get_context_data(self, form=None, preview=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            proposal=self.proposal,
            form=form or MergeForm(candidates=self.candidates()),
            preview=preview,
            sources_max=MERGE_SOURCES_MAX,
        )
        return context

    def post(self, request, *args, **kwargs):
        form = MergeForm(request.POST, candidates=self.candidates())
        if form.is_valid():
            sources, reason = form.cleaned_data["sources"], form.cleaned_data["reason"]
            if "confirm" not in request.POST:
                preview = merge_preview(target=self.proposal, source_ids=sources)
                return TemplateResponse(
                    request, self.template_name, self.get_context_data(form=form, preview=preview)
                )
            try:
                result = proposals_merge(
                    actor=request.user, target=self.proposal, sources=sources, reason=reason
                )
            except NotAllowed as error:
                return forbidden(request, error.message)
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _done(result))
                return HttpResponseRedirect(reverse("cms_proposals:detail", args=[self.proposal.pk]))
        form.link_errors()
        messages.error(request, _("Nothing was merged: see the errors below."))
        return TemplateResponse(request, self.template_name, self.get_context_data(form=form), status=400)


def _done(result) -> str:
    count = len(result.sources)
    message = ngettext(
        "%(count)s proposal merged: this one now counts %(supports)s.",
        "%(count)s proposals merged: this one now counts %(supports)s.",
        count,
    ) % {"count": count, "supports": result.supports}
    if result.promise_made:
        message += " " + _("It now reaches the threshold: the promise of a response is made.")
    return message
