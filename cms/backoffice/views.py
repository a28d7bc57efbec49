"""The officials' proposal tools in the Wagtail admin (/cms/proposals/): the moderation queue (pending and
reported proposals and comments, and check-ins' stories waiting for a moderator), the proposals of a
consultation, and one proposal with its moderation,
status and response forms and its full audit trail.

Wagtail lets in anyone with admin access; these views then ask the named predicates of
`proposals.permissions`: moderating for every view, setting a status and responding for those forms.
Each POST calls one service; a refusal is shown on the form (or as a 403 for a missing role), never a 500.
"""

from abc import ABC, abstractmethod

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cocreate.exceptions import NotAllowed, NotFound, ServiceError
from cocreate.forms import add_service_error
from proposals import permissions, selectors, services
from proposals.milestone_selectors import milestone_list
from proposals.models import CheckIn, Comment, Proposal, Visibility
from proposals.moderation_selectors import audit_trail, moderation_queue, queue_items
from proposals.services.comments import comment_moderate
from proposals.services.milestones import STATUSES_WITH_MILESTONES

from .forms import (
    CommentModerationForm,
    ConsultationFilterForm,
    DismissFlagsForm,
    MilestoneAddForm,
    MilestoneUpdateForm,
    ModerationForm,
    ResponseForm,
    StatusForm,
)

PAGE_SIZE = 50


def forbidden(request, message: str) -> TemplateResponse:
    # A real 403 page: raising PermissionDenied here would make Wagtail redirect to the dashboard, which
    # hides a refused write behind a 302.
    return TemplateResponse(
        request,
        "backoffice/forbidden.html",
        {"message": message, "header_title": _("Not allowed")},
        status=403,
    )


def consultation_proposals(consultation_id: int) -> QuerySet[Proposal]:
    """Every proposal of a consultation whatever its state, most supported first."""
    return (
        Proposal.objects.for_consultation(consultation_id)
        .select_related("author", "category", "stage")
        .order_by("-supports_count", "-created_at", "-id")
    )


class ModeratorsOnlyMixin:
    """Let in moderators, officials and admins (`can_moderate`); anyone else with admin access gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_moderate(request.user):
            return forbidden(request, _("Only moderators and officials can use the proposal tools."))
        return super().dispatch(request, *args, **kwargs)


class ProposalSubpageMixin:
    """An admin page about one proposal, below the proposal's own page in the breadcrumbs, titled
    `page_label` with the proposal's title under it. `load_proposal` reads the proposal as the reader may
    see it (404 otherwise); call it in `dispatch` once the reader is let in."""

    page_label = ""

    def load_proposal(self, request, pk: int) -> None:
        try:
            self.proposal = selectors.proposal_get(proposal_id=pk, user=request.user)
        except NotFound:
            raise Http404 from None

    def get_page_title(self):
        return self.page_label

    def get_page_subtitle(self):
        return self.proposal.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cms_proposals:index"), "label": _("Proposals")},
            {"url": reverse("cms_proposals:detail", args=[self.proposal.pk]), "label": self.proposal.title},
            {"url": "", "label": self.page_label},
        ]


class ProposalIndexView(ModeratorsOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """The moderation queue of proposals and comments; with ?consultation=<id>, every proposal of that
    consultation instead."""

    template_name = "backoffice/proposal_index.html"
    page_title = gettext_lazy("Proposals")
    header_icon = "comment"
    breadcrumbs_items = [
        *WagtailAdminTemplateMixin.breadcrumbs_items,
        {"url": reverse_lazy("cms_proposals:index"), "label": gettext_lazy("Proposals")},
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A bad or unknown id is a form error on the filter, shown above an empty list, never a 500.
        filter_form = ConsultationFilterForm(self.request.GET or None)
        consultation = filter_form.cleaned_data["consultation"] if filter_form.is_valid() else None
        queue = moderation_queue()
        if consultation is not None:
            rows, tab = consultation_proposals(consultation.pk), "consultation"
        elif "consultation" in self.request.GET:
            rows, tab = Proposal.objects.none(), "consultation"
        else:
            rows, tab = queue, "queue"
        page_obj = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("p"))
        context.update(
            tab=tab,
            filter_form=filter_form,
            consultation=consultation,
            page_obj=page_obj,
            queue_count=page_obj.paginator.count if tab == "queue" else queue.count(),
            next_url=self.request.get_full_path(),
        )
        if tab == "queue":
            context["items"] = queue_items(page_obj.object_list)
        else:
            context["proposals"] = page_obj.object_list
        return context


class ProposalDetailView(ModeratorsOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """One proposal with its history; the POST views below reuse it to show their forms' errors."""

    template_name = "backoffice/proposal_detail.html"
    header_icon = "comment"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.forms = {}

    def get_proposal(self) -> Proposal:
        try:
            return selectors.proposal_get(proposal_id=self.kwargs["pk"], user=self.request.user)
        except NotFound:
            raise Http404 from None

    def dispatch(self, request, *args, **kwargs):
        if permissions.can_moderate(request.user):
            self.proposal = self.get_proposal()
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Proposal")

    def get_page_subtitle(self):
        return self.proposal.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cms_proposals:index"), "label": _("Proposals")},
            {
                "url": reverse("cms_proposals:index") + f"?consultation={self.proposal.consultation_id}",
                "label": self.proposal.consultation.title,
            },
            {"url": "", "label": self.proposal.title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, proposal = self.request.user, self.proposal
        is_official = permissions.can_set_status(user)
        context.update(
            proposal=proposal,
            moderation_form=self.forms.get("moderation") or ModerationForm(),
            can_set_status=is_official,
            can_respond=permissions.can_respond(user),
            status_form=self.forms.get("status") or StatusForm(initial={"status": proposal.status}),
            response_form=self.forms.get("response") or ResponseForm(),
            dismiss_form=self.forms.get("dismiss") or DismissFlagsForm(),
            open_flags=list(proposal.flags.filter(resolved_at__isnull=True)),
            # The full trail, comment moderation included: who, in which role, when, what and why.
            trail=audit_trail(proposal=proposal).select_related("comment", "response", "milestone"),
            responses=proposal.responses.all(),
            **self.milestones_context(),
            next_url=get_valid_next_url_from_request(self.request),
        )
        return context

    def milestones_context(self) -> dict:
        """The implementation steps, each with its form to move it on (bound if it just failed), and the
        form to plan one; offered to officials on a published, accepted or implemented proposal."""
        proposal = self.proposal
        return {
            "milestones": [
                (m, self.forms.get(f"milestone_{m.pk}") or MilestoneUpdateForm(milestone_id=m.pk))
                for m in milestone_list(proposal=proposal)
            ],
            "can_manage_milestones": permissions.can_manage_milestones(self.request.user),
            "milestones_open": proposal.is_published and proposal.status in STATUSES_WITH_MILESTONES,
            "milestone_add_form": self.forms.get("milestone_add") or MilestoneAddForm(),
        }

    def form_invalid(self, name: str, form) -> TemplateResponse:
        self.forms[name] = form
        messages.error(self.request, _("The proposal was not changed: see the errors below."))
        return self.render_to_response(self.get_context_data())

    def succeeded(self, message: str) -> HttpResponseRedirect:
        messages.success(self.request, message)
        default = reverse("cms_proposals:detail", args=[self.proposal.pk])
        return HttpResponseRedirect(get_valid_next_url_from_request(self.request) or default)


class ServicePostView(ProposalDetailView, ABC):
    """A POST-only view that validates one form and calls one service with it."""

    http_method_names = ["post"]
    form_name = ""
    form_class = None
    allowed = staticmethod(permissions.can_moderate)
    refused = ""

    def post(self, request, *args, **kwargs):
        # Checked here as well as in the service: a moderator gets a plain 403 before any form handling.
        if not self.allowed(request.user):
            return forbidden(request, self.refused)
        form = self.build_form(request.POST)
        if not form.is_valid():
            return self.form_invalid(self.form_name, form)
        try:
            message = self.call_service(form.cleaned_data)
        except NotAllowed as error:
            return forbidden(request, error.message)
        except ServiceError as error:
            add_service_error(form, error)
            return self.form_invalid(self.form_name, form)
        return self.succeeded(message)

    def build_form(self, data):
        return self.form_class(data)

    @abstractmethod
    def call_service(self, data) -> str:
        """Call the one service with the form's cleaned data; return the success message."""


class ProposalModerateView(ServicePostView):
    form_name, form_class = "moderation", ModerationForm

    def call_service(self, data) -> str:
        proposal = services.proposal_moderate(
            actor=self.request.user, proposal=self.proposal, action=data["action"], reason=data["reason"]
        )
        if proposal.is_published:
            return _("“%(title)s” is published.") % {"title": proposal.title}
        return _("“%(title)s” is hidden; its author sees the reason.") % {"title": proposal.title}


class ProposalDismissFlagsView(ServicePostView):
    form_name, form_class = "dismiss", DismissFlagsForm

    def call_service(self, data) -> str:
        services.flags_dismiss(actor=self.request.user, proposal=self.proposal, reason=data["reason"])
        return _("The reports on “%(title)s” are dismissed; it stays as it was.") % {
            "title": self.proposal.title
        }


class CommentPostView(ModeratorsOnlyMixin, View, ABC):
    """A POST-only view on one comment, from the queue. The queue holds many forms, so a refusal comes back
    as a message above it rather than on a form; nothing was written."""

    http_method_names = ["post"]
    form_class = None

    def post(self, request, pk: int):
        comment = get_object_or_404(Comment.objects.select_related("proposal"), pk=pk)
        form = self.form_class(request.POST)
        try:
            if not form.is_valid():
                raise ServiceError(_("Some fields need your attention."), fields=form.errors)
            message = self.call_service(comment, form.cleaned_data)
        except NotAllowed as error:
            return forbidden(request, error.message)
        except ServiceError as error:
            details = [str(m) for messages_ in error.fields.values() for m in messages_]
            messages.error(
                request, " ".join([_("The comment was not changed:"), *(details or [error.message])])
            )
        else:
            messages.success(request, message)
        return HttpResponseRedirect(
            get_valid_next_url_from_request(request) or reverse("cms_proposals:index")
        )

    @abstractmethod
    def call_service(self, comment: Comment, data) -> str:
        """Call the one service with the form's cleaned data; return the success message."""


class CommentModerateView(CommentPostView):
    form_class = CommentModerationForm

    def call_service(self, comment: Comment, data) -> str:
        edit_waited = comment.has_pending_edit and comment.is_published
        comment = comment_moderate(
            actor=self.request.user, comment=comment, action=data["action"], reason=data["reason"]
        )
        if edit_waited and comment.is_published and not comment.has_pending_edit:
            if comment.edit_rejection_reason:
                return _("The edit is rejected; its author sees the reason.")
            return _("The edit is published.")
        if comment.is_published:
            return _("The comment is published.")
        return _("The comment is hidden; its author sees the reason.")


class CommentDismissFlagsView(CommentPostView):
    form_class = DismissFlagsForm

    def call_service(self, comment: Comment, data) -> str:
        services.flags_dismiss(actor=self.request.user, comment=comment, reason=data["reason"])
        return _("The reports on the comment are dismissed; it stays as it was.")


class CheckInModerateView(ModeratorsOnlyMixin, View):
    """Approve, hide or restore a check-in's story, from the queue; as a comment's, a refusal comes back as
    a message above the queue, and nothing was written. The check-in's scores count whatever is decided."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        checkin = get_object_or_404(CheckIn, pk=pk)
        form = ModerationForm(request.POST)
        try:
            if not form.is_valid():
                raise ServiceError(_("Some fields need your attention."), fields=form.errors)
            checkin = services.checkin_moderate(
                actor=request.user,
                checkin_id=checkin.pk,
                decision=form.cleaned_data["action"],
                reason=form.cleaned_data["reason"],
            )
        except NotAllowed as error:
            return forbidden(request, error.message)
        except ServiceError as error:
            details = [str(m) for messages_ in error.fields.values() for m in messages_]
            messages.error(
                request, " ".join([_("The story was not changed:"), *(details or [error.message])])
            )
        else:
            if checkin.visibility == Visibility.PUBLISHED:
                messages.success(request, _("The story is published."))
            else:
                messages.success(request, _("The story is hidden; its author sees the reason."))
        return HttpResponseRedirect(
            get_valid_next_url_from_request(request) or reverse("cms_proposals:index")
        )


class ProposalStatusView(ServicePostView):
    form_name, form_class = "status", StatusForm
    allowed = staticmethod(permissions.can_set_status)
    refused = gettext_lazy("Only officials can change the status of a proposal.")

    def call_service(self, data) -> str:
        proposal = services.proposal_set_status(
            actor=self.request.user, proposal=self.proposal, status=data["status"], note=data["note"]
        )
        return _("Status of “%(title)s”: %(status)s.") % {
            "title": proposal.title,
            "status": proposal.get_status_display(),
        }


class ProposalRespondView(ServicePostView):
    form_name, form_class = "response", ResponseForm
    allowed = staticmethod(permissions.can_respond)
    refused = gettext_lazy("Only officials can publish official responses.")

    def call_service(self, data) -> str:
        services.response_publish(
            actor=self.request.user, proposal=self.proposal, body=data["body"], decision=data["decision"]
        )
        return _("Your response to “%(title)s” is published.") % {"title": self.proposal.title}


class MilestoneAddView(ServicePostView):
    form_name, form_class = "milestone_add", MilestoneAddForm
    allowed = staticmethod(permissions.can_manage_milestones)
    refused = gettext_lazy("Only officials can plan and follow the implementation of a proposal.")

    def call_service(self, data) -> str:
        milestone = services.milestone_add(actor=self.request.user, proposal=self.proposal, **data)
        return _("The step “%(step)s” is planned; the proposal's followers are told.") % {
            "step": milestone.title
        }


class MilestoneUpdateView(ServicePostView):
    """Moves one step of this proposal on; a step of another proposal is a 404."""

    form_class = MilestoneUpdateForm
    allowed = staticmethod(permissions.can_manage_milestones)
    refused = gettext_lazy("Only officials can plan and follow the implementation of a proposal.")

    def post(self, request, *args, **kwargs):
        # Anyone not allowed gets ServicePostView's 403; for an official, another proposal's step is a 404.
        if (
            self.allowed(request.user)
            and not self.proposal.milestones.filter(pk=self.kwargs["milestone_id"]).exists()
        ):
            raise Http404
        return super().post(request, *args, **kwargs)

    @property
    def form_name(self) -> str:
        return f"milestone_{self.kwargs['milestone_id']}"

    def build_form(self, data):
        return MilestoneUpdateForm(data, milestone_id=self.kwargs["milestone_id"])

    def call_service(self, data) -> str:
        milestone = services.milestone_update(
            actor=self.request.user,
            milestone_id=self.kwargs["milestone_id"],
            state=data["state"] or None,
            on=data["on"],
            planned_for=data["planned_for"],
            note=data["note"],
        )
        return _("The step “%(step)s” is now: %(state)s.") % {
            "step": milestone.title,
            "state": milestone.get_state_display(),
        }
