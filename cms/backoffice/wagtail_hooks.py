"""The officials' proposal tools in the Wagtail admin: URLs under /cms/proposals/ and a menu item that
only moderators and officials see (the views check the same predicate, the menu is only a convenience).
Also a guard that keeps consultations with proposals from being deleted."""

from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.models import Page

from proposals import permissions
from proposals.models import Proposal

from . import accounts, dashboard, views
from .invalidations import SupportReviewDecideView, SupportsSetAsideView
from .merging import ProposalMergeView
from .supports_review import SupportsReviewView

app_name = "cms_proposals"
urlpatterns = [
    path("", views.ProposalIndexView.as_view(), name="index"),
    path("<int:pk>/", views.ProposalDetailView.as_view(), name="detail"),
    path("<int:pk>/moderate/", views.ProposalModerateView.as_view(), name="moderate"),
    path("<int:pk>/dismiss-flags/", views.ProposalDismissFlagsView.as_view(), name="dismiss_flags"),
    path("<int:pk>/supports/", SupportsReviewView.as_view(), name="supports_review"),
    path("<int:pk>/supports/set-aside/", SupportsSetAsideView.as_view(), name="supports_set_aside"),
    path("<int:pk>/merge/", ProposalMergeView.as_view(), name="merge"),
    path(
        "<int:pk>/supports/reviews/<int:review_id>/",
        SupportReviewDecideView.as_view(),
        name="support_review_decide",
    ),
    path("comments/<int:pk>/moderate/", views.CommentModerateView.as_view(), name="comment_moderate"),
    path(
        "comments/<int:pk>/dismiss-flags/",
        views.CommentDismissFlagsView.as_view(),
        name="comment_dismiss_flags",
    ),
    path("checkins/<int:pk>/moderate/", views.CheckInModerateView.as_view(), name="checkin_moderate"),
    path("<int:pk>/status/", views.ProposalStatusView.as_view(), name="status"),
    path("<int:pk>/respond/", views.ProposalRespondView.as_view(), name="respond"),
    path("<int:pk>/milestones/", views.MilestoneAddView.as_view(), name="milestone_add"),
    path(
        "<int:pk>/milestones/<int:milestone_id>/",
        views.MilestoneUpdateView.as_view(),
        name="milestone_update",
    ),
]


class ProposalsMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_moderate(request.user)


@hooks.register("register_admin_urls")
def register_proposal_urls():
    # Wagtail wraps these in its admin-access check: anonymous visitors go to the log-in page.
    return [path("proposals/", include((urlpatterns, app_name), namespace=app_name))]


@hooks.register("register_admin_urls")
def register_account_urls():
    # Blocking an account (accounts.py), reached from a proposal's author.
    urls = (accounts.urlpatterns, accounts.app_name)
    return [path("accounts/", include(urls, namespace=accounts.app_name))]


@hooks.register("register_admin_menu_item")
def register_proposals_menu_item():
    return ProposalsMenuItem(
        _("Proposals"), reverse("cms_proposals:index"), name="proposals", icon_name="comment", order=150
    )


@hooks.register("register_admin_urls")
def register_promise_urls():
    # The officials' view of the petition promise: /cms/promises/ (awaited responses) and its dashboards.
    return [
        path("promises/", include((dashboard.urlpatterns, dashboard.app_name), namespace=dashboard.app_name))
    ]


@hooks.register("register_admin_menu_item")
def register_awaiting_menu_item():
    return dashboard.OfficialsMenuItem(
        _("Awaiting response"), reverse("cms_promises:awaiting"), name="awaiting", icon_name="time", order=151
    )


@hooks.register("insert_global_admin_css")
def admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("backoffice/admin.css"))


@hooks.register("construct_homepage_panels")
def add_awaiting_panel(request, panels):
    if permissions.can_respond(request.user):
        panels.append(dashboard.awaiting_panel())


@hooks.register("register_admin_menu_item")
def register_dashboards_menu_item():
    return dashboard.OfficialsMenuItem(
        _("Dashboards"), reverse("cms_promises:dashboards"), name="dashboards", icon_name="view", order=152
    )


def _pages_with_proposals(pages) -> list[Page]:
    """The pages among `pages` that hold proposals themselves or below them in the tree."""
    return [
        page for page in pages if Proposal.objects.filter(consultation__path__startswith=page.path).exists()
    ]


def _refuse_delete(request, pages):
    messages.error(
        request,
        ngettext(
            "“%(titles)s” has proposals and cannot be deleted: unpublish it instead.",
            "%(titles)s have proposals and cannot be deleted: unpublish them instead.",
            len(pages),
        )
        % {"titles": ", ".join(page.title for page in pages)},
    )
    return redirect("wagtailadmin_explore", pages[0].get_parent().pk)


@hooks.register("before_delete_page")
def keep_consultations_with_proposals(request, page):
    # Proposals protect their consultation (on_delete=PROTECT): citizens' contributions and the official
    # answers are a public record. Without this, the delete view would fail with a server error.
    if blocked := _pages_with_proposals([page]):
        return _refuse_delete(request, blocked)
    return None


@hooks.register("before_bulk_action")
def keep_consultations_with_proposals_in_bulk(request, action_type, objects, action_class_instance):
    if action_type == "delete" and (
        blocked := _pages_with_proposals(o for o in objects if isinstance(o, Page))
    ):
        return _refuse_delete(request, blocked)
    return None
