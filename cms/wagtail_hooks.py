"""The officials' proposal tools in the Wagtail admin: URLs under /cms/proposals/ and a menu item that
only moderators and officials see (the views check the same predicate, the menu is only a convenience)."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from proposals import permissions

from . import admin_views

app_name = "cms_proposals"
urlpatterns = [
    path("", admin_views.ProposalIndexView.as_view(), name="index"),
    path("<int:pk>/", admin_views.ProposalDetailView.as_view(), name="detail"),
    path("<int:pk>/moderate/", admin_views.ProposalModerateView.as_view(), name="moderate"),
    path("<int:pk>/status/", admin_views.ProposalStatusView.as_view(), name="status"),
    path("<int:pk>/respond/", admin_views.ProposalRespondView.as_view(), name="respond"),
]


class ProposalsMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_moderate(request.user)


@hooks.register("register_admin_urls")
def register_proposal_urls():
    # Wagtail wraps these in its admin-access check: anonymous visitors go to the log-in page.
    return [path("proposals/", include((urlpatterns, app_name), namespace=app_name))]


@hooks.register("register_admin_menu_item")
def register_proposals_menu_item():
    return ProposalsMenuItem(
        _("Proposals"), reverse("cms_proposals:index"), name="proposals", icon_name="comment", order=150
    )
