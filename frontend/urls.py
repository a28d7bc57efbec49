from django.urls import path

from cocreate.page_cache import shared_page

from .views import (
    accessibility,
    account,
    area_maps,
    attachments,
    checkins,
    coauthors,
    comments,
    drafts,
    flags,
    follows,
    journeys,
    language,
    proposals,
    search,
    supports,
)
from .views.what_changed import what_changed_page

urlpatterns = [
    path("search/", search.search_page, name="search"),
    path("accessibility/", accessibility.accessibility_statement, name="accessibility"),
    path("language/", language.language_switch, name="language_switch"),
    path("proposals/<int:pk>/", shared_page(proposals.proposal_detail), name="proposal_detail"),
    path(
        "proposals/<int:pk>/files/<int:attachment_id>/",
        attachments.attachment_file,
        name="proposal_attachment",
    ),
    path(
        "proposals/<int:pk>/files/<int:attachment_id>/small/",
        attachments.attachment_file,
        {"small": True},
        name="proposal_attachment_small",
    ),
    path("proposals/<int:pk>/edit/files/", attachments.attachments_add, name="proposal_attachments_add"),
    path(
        "proposals/<int:pk>/edit/files/<int:attachment_id>/remove/",
        attachments.attachment_remove,
        name="proposal_attachment_remove",
    ),
    path("proposals/<int:pk>/support/", supports.proposal_support, name="proposal_support"),
    path(
        "proposals/<int:pk>/supports-chart/",
        proposals.proposal_supports_chart,
        name="proposal_supports_chart",
    ),
    path(
        "proposals/<int:pk>/support/review/", supports.proposal_support_review, name="proposal_support_review"
    ),
    path(
        "proposals/<int:pk>/support/withdraw/",
        supports.proposal_support_withdraw,
        name="proposal_support_withdraw",
    ),
    path("proposals/<int:pk>/report/", flags.proposal_flag, name="proposal_flag"),
    path("proposals/<int:pk>/edit/", proposals.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/withdraw/", proposals.proposal_withdraw, name="proposal_withdraw"),
    path("proposals/<int:pk>/coauthors/", coauthors.coauthor_invite, name="coauthor_invite"),
    path(
        "proposals/<int:pk>/coauthors/<int:coauthor_id>/remove/",
        coauthors.coauthor_remove,
        name="coauthor_remove",
    ),
    path(
        "proposals/<int:pk>/coauthor-invitation/", coauthors.coauthor_invitation, name="coauthor_invitation"
    ),
    path("drafts/<int:pk>/delete/", drafts.draft_delete, name="draft_delete"),
    path("comments/<int:pk>/report/", flags.comment_flag, name="comment_flag"),
    path("consultations/<int:page_id>/propose/", proposals.proposal_submit, name="proposal_submit"),
    path("consultations/<int:page_id>/what-changed/", what_changed_page, name="what_changed"),
    path(
        "consultations/<int:page_id>/areas.svg", area_maps.consultation_map_svg, name="consultation_map_svg"
    ),
    path(
        "consultations/<int:page_id>/journey-map/",
        journeys.consultation_journey_map,
        name="consultation_journey_map",
    ),
    path("consultations/<int:page_id>/check-in/", checkins.checkin_page, name="checkin"),
    path("account/", account.account, name="account"),
    path("account/export/", account.account_export, name="account_export"),
    path("account/areas/", account.account_area, name="account_area"),
    path("account/delete/", account.account_delete, name="account_delete"),
    path("account/token/", account.account_token, name="account_token"),
    path("account/token/revoke/", account.account_token_revoke, name="account_token_revoke"),
    path("proposals/<int:pk>/follow/", follows.proposal_follow, {"add": True}, name="proposal_follow"),
    path("proposals/<int:pk>/unfollow/", follows.proposal_follow, {"add": False}, name="proposal_unfollow"),
    path("notifications/", follows.notification_list, name="notifications"),
    path("notifications/read/", follows.notifications_read, name="notifications_read"),
    path("account/notifications/", follows.account_notifications, name="account_notifications"),
    path("unsubscribe/<str:token>/", follows.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/one-click/", follows.unsubscribe_one_click, name="unsubscribe_one_click"),
    path("proposals/<int:pk>/comments/", comments.comment_post, name="comment_post"),
    path("comments/<int:pk>/edit/", comments.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", comments.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/moderate/", comments.comment_moderate, name="comment_moderate"),
    path("comments/<int:pk>/helpful/", comments.comment_helpful, name="comment_helpful"),
]
