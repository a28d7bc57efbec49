"""The fraud review of one proposal's supports in the Wagtail admin (/cms/proposals/<id>/supports/), linked
from the proposal's page: the figures and flags of votes.review, the chart drawn by cocreate.charts. Read
only: setting supports aside is a form of its own (the template keeps its place)."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cocreate.charts import bar_chart
from proposals import permissions
from votes import review

from .views import ModeratorsOnlyMixin, ProposalSubpageMixin


class SupportsReviewView(ModeratorsOnlyMixin, ProposalSubpageMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "backoffice/supports_review.html"
    header_icon = "warning"
    page_label = gettext_lazy("Supports review")

    def dispatch(self, request, *args, **kwargs):
        if permissions.can_moderate(request.user):
            self.load_proposal(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def set_aside_url(self, flag: review.Flag) -> str:
        """The form to set aside the supports a flag names, filled in, for those who may use it (officials);
        an hour is no criterion of it, so a burst of supports has none."""
        if not permissions.is_official(self.request.user):
            return ""
        criteria = {
            review.SHARED_ADDRESS: {"address_hashes": flag.key},
            review.NEW_DOMAIN: {"domains": flag.label},
            review.SIGNUP_BURST: {"joined_from": flag.label, "joined_to": flag.label},
        }.get(flag.kind)
        if criteria is None:
            return ""
        return f"{reverse('cms_proposals:supports_set_aside', args=[self.proposal.pk])}?{urlencode(criteria)}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = review.supports_review(proposal=self.proposal)
        context.update(
            proposal=self.proposal,
            review=result,
            chart=bar_chart([(bucket.key, bucket.supports) for bucket in result.over_time]),
            more_flags=sum(result.flag_counts.values()) - len(result.flags),
            flags=[(flag, self.set_aside_url(flag)) for flag in result.flags],
            thresholds={
                "burst_factor": review.BURST_FACTOR,
                "burst_min": review.BURST_MIN,
                "shared_min": review.SHARED_ADDRESS_MIN,
                "new_domain_days": review.NEW_DOMAIN_DAYS,
                "new_domain_min": review.NEW_DOMAIN_MIN,
                "signup_factor": review.SIGNUP_BURST_FACTOR,
                "signup_min": review.SIGNUP_BURST_MIN,
            },
        )
        return context
