from django.urls import include, path
from rest_framework.routers import DefaultRouter

from cms.backoffice.promises_api import AwaitingResponsesView, ConsultationDashboardView
from cocreate.accounts.api import AccountDeleteView, AccountExportView
from proposals.api.account_blocks import AccountBlocksView, AccountBlockView, AccountUnblockView
from proposals.api.area_figures import ConsultationAreasView
from proposals.api.areas import MyAreasView, MyAreaView
from proposals.api.attachments import ProposalAttachmentsView, ProposalAttachmentView
from proposals.api.checkins import (
    CheckInModerationView,
    ConsultationStagesView,
    MyCheckInsView,
    MyCheckInView,
)
from proposals.api.coauthors import (
    CoauthorAcceptView,
    CoauthorDeclineView,
    MyCoauthorInvitationsView,
    ProposalCoauthorsView,
    ProposalCoauthorView,
)
from proposals.api.comments import (
    CommentDetailView,
    CommentHelpfulView,
    CommentModerationView,
    ProposalCommentsView,
)
from proposals.api.consultations import ConsultationViewSet
from proposals.api.drafts import MyDraftSubmitView, MyDraftsView, MyDraftView, ProposalVersionsView
from proposals.api.follows import EmailSettingsView, FollowView, NotificationListView, NotificationReadView
from proposals.api.journey import ConsultationJourneyView
from proposals.api.milestones import MilestoneDetailView, ProposalMilestonesView
from proposals.api.moderation import CommentFlagView, ProposalFlagView, ProposalHistoryView
from proposals.api.open_data import (
    ConsultationExportCSVView,
    ConsultationExportJSONView,
    JourneysExportCSVView,
    JourneysExportJSONView,
)
from proposals.api.queue import CommentDismissFlagsView, ModerationQueueView, ProposalDismissFlagsView
from proposals.api.search import ProposalSearchView, ProposalSimilarView
from proposals.api.views import ProposalViewSet
from proposals.api.what_changed import ConsultationWhatChangedView
from votes.api.areas import SupportsByAreaView
from votes.api.invalidations import ProposalInvalidationsView
from votes.api.merging import ProposalMergeView
from votes.api.review import SupportsReviewView
from votes.api.reviews import ProposalSupportReviewsView, SupportReviewDecisionView, SupportReviewRequestView
from votes.api.views import SupportsByDayView, SupportView

router = DefaultRouter()
router.register("consultations", ConsultationViewSet, basename="consultation")
router.register("proposals", ProposalViewSet, basename="proposal")

urlpatterns = [
    path("search/", ProposalSearchView.as_view(), name="proposal-search"),
    # Before the router, whose proposals/{pk}/ would take "similar" for an id.
    path("proposals/similar/", ProposalSimilarView.as_view(), name="proposal-similar"),
    path("proposals/<int:pk>/support/", SupportView.as_view(), name="proposal-support"),
    path(
        "proposals/<int:pk>/support/review/",
        SupportReviewRequestView.as_view(),
        name="support-review-request",
    ),
    path("proposals/<int:pk>/attachments/", ProposalAttachmentsView.as_view(), name="proposal-attachments"),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_id>/",
        ProposalAttachmentView.as_view(),
        name="proposal-attachment",
    ),
    path("proposals/<int:pk>/flag/", ProposalFlagView.as_view(), name="proposal-flag"),
    path("proposals/<int:pk>/history/", ProposalHistoryView.as_view(), name="proposal-history"),
    path("proposals/<int:pk>/milestones/", ProposalMilestonesView.as_view(), name="proposal-milestones"),
    path("milestones/<int:pk>/", MilestoneDetailView.as_view(), name="milestone-detail"),
    path("proposals/<int:pk>/supports-by-day/", SupportsByDayView.as_view(), name="proposal-supports-by-day"),
    path(
        "proposals/<int:pk>/supports-by-area/", SupportsByAreaView.as_view(), name="proposal-supports-by-area"
    ),
    path("comments/<int:pk>/flag/", CommentFlagView.as_view(), name="comment-flag"),
    path("proposals/<int:pk>/follow/", FollowView.as_view(), name="proposal-follow"),
    path("proposals/<int:pk>/versions/", ProposalVersionsView.as_view(), name="proposal-versions"),
    path("proposals/<int:pk>/coauthors/", ProposalCoauthorsView.as_view(), name="proposal-coauthors"),
    path(
        "proposals/<int:pk>/coauthors/<int:coauthor_id>/",
        ProposalCoauthorView.as_view(),
        name="proposal-coauthor",
    ),
    path("me/coauthor-invitations/", MyCoauthorInvitationsView.as_view(), name="me-coauthor-invitations"),
    path(
        "me/coauthor-invitations/<int:pk>/accept/",
        CoauthorAcceptView.as_view(),
        name="me-coauthor-invitation-accept",
    ),
    path(
        "me/coauthor-invitations/<int:pk>/decline/",
        CoauthorDeclineView.as_view(),
        name="me-coauthor-invitation-decline",
    ),
    path("me/drafts/", MyDraftsView.as_view(), name="me-drafts"),
    path("me/drafts/<int:pk>/", MyDraftView.as_view(), name="me-draft"),
    path("me/drafts/<int:pk>/submit/", MyDraftSubmitView.as_view(), name="me-draft-submit"),
    path("me/areas/", MyAreasView.as_view(), name="me-areas"),
    path("me/areas/<int:area_set_id>/", MyAreaView.as_view(), name="me-area"),
    path("me/export/", AccountExportView.as_view(), name="me-export"),
    path("me/delete/", AccountDeleteView.as_view(), name="me-delete"),
    path("me/email-settings/", EmailSettingsView.as_view(), name="me-email-settings"),
    path("notifications/", NotificationListView.as_view(), name="notification-list"),
    path("notifications/read/", NotificationReadView.as_view(), name="notification-read"),
    path("proposals/<int:pk>/comments/", ProposalCommentsView.as_view(), name="proposal-comments"),
    path("comments/<int:pk>/", CommentDetailView.as_view(), name="comment-detail"),
    path("comments/<int:pk>/moderation/", CommentModerationView.as_view(), name="comment-moderation"),
    path("comments/<int:pk>/helpful/", CommentHelpfulView.as_view(), name="comment-helpful"),
    path("moderation/queue/", ModerationQueueView.as_view(), name="moderation-queue"),
    path(
        "moderation/proposals/<int:pk>/invalidations/",
        ProposalInvalidationsView.as_view(),
        name="moderation-proposal-invalidations",
    ),
    path(
        "moderation/proposals/<int:pk>/merge/", ProposalMergeView.as_view(), name="moderation-proposal-merge"
    ),
    path(
        "moderation/proposals/<int:pk>/support-reviews/",
        ProposalSupportReviewsView.as_view(),
        name="moderation-proposal-support-reviews",
    ),
    path(
        "moderation/support-reviews/<int:pk>/decision/",
        SupportReviewDecisionView.as_view(),
        name="moderation-support-review-decision",
    ),
    path(
        "moderation/proposals/<int:pk>/supports-review/",
        SupportsReviewView.as_view(),
        name="moderation-proposal-supports-review",
    ),
    path("moderation/accounts/<int:pk>/", AccountBlocksView.as_view(), name="moderation-account"),
    path("moderation/accounts/<int:pk>/block/", AccountBlockView.as_view(), name="moderation-account-block"),
    path(
        "moderation/accounts/<int:pk>/unblock/",
        AccountUnblockView.as_view(),
        name="moderation-account-unblock",
    ),
    path(
        "proposals/<int:pk>/dismiss-flags/", ProposalDismissFlagsView.as_view(), name="proposal-dismiss-flags"
    ),
    path("comments/<int:pk>/dismiss-flags/", CommentDismissFlagsView.as_view(), name="comment-dismiss-flags"),
    path("consultations/<int:pk>/stages/", ConsultationStagesView.as_view(), name="consultation-stages"),
    path("consultations/<int:pk>/checkins/", MyCheckInsView.as_view(), name="consultation-checkins"),
    path(
        "consultations/<int:pk>/checkins/<slug:stage_slug>/",
        MyCheckInView.as_view(),
        name="consultation-checkin",
    ),
    path("checkins/<int:pk>/moderation/", CheckInModerationView.as_view(), name="checkin-moderation"),
    path("awaiting-responses/", AwaitingResponsesView.as_view(), name="awaiting-responses"),
    path(
        "consultations/<int:pk>/dashboard/",
        ConsultationDashboardView.as_view(),
        name="consultation-dashboard",
    ),
    path("consultations/<int:pk>/journey/", ConsultationJourneyView.as_view(), name="consultation-journey"),
    path("consultations/<int:pk>/areas/", ConsultationAreasView.as_view(), name="consultation-areas"),
    path(
        "consultations/<int:pk>/what-changed/",
        ConsultationWhatChangedView.as_view(),
        name="consultation-what-changed",
    ),
    # Before the router, whose consultations/{pk}.{format} would take "journeys" for an id.
    path("consultations/journeys.json", JourneysExportJSONView.as_view(), name="consultation-journeys-json"),
    path("consultations/journeys.csv", JourneysExportCSVView.as_view(), name="consultation-journeys-csv"),
    path(
        "consultations/<int:pk>/export.json",
        ConsultationExportJSONView.as_view(),
        name="consultation-export-json",
    ),
    path(
        "consultations/<int:pk>/export.csv",
        ConsultationExportCSVView.as_view(),
        name="consultation-export-csv",
    ),
    path("", include(router.urls)),
]
