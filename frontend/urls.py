from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/support/", views.proposal_support, name="proposal_support"),
    path("proposals/<int:pk>/supports-chart/", views.proposal_supports_chart, name="proposal_supports_chart"),
    path(
        "proposals/<int:pk>/support/withdraw/",
        views.proposal_support_withdraw,
        name="proposal_support_withdraw",
    ),
    path("proposals/<int:pk>/report/", views.proposal_flag, name="proposal_flag"),
    path("comments/<int:pk>/report/", views.comment_flag, name="comment_flag"),
    path("consultations/<int:page_id>/propose/", views.proposal_submit, name="proposal_submit"),
    path("account/", views.account, name="account"),
    path("account/export/", views.account_export, name="account_export"),
    path("account/delete/", views.account_delete, name="account_delete"),
    path("account/token/", views.account_token, name="account_token"),
    path("account/token/revoke/", views.account_token_revoke, name="account_token_revoke"),
    path("proposals/<int:pk>/follow/", views.proposal_follow, {"add": True}, name="proposal_follow"),
    path("proposals/<int:pk>/unfollow/", views.proposal_follow, {"add": False}, name="proposal_unfollow"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("account/notifications/", views.account_notifications, name="account_notifications"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/one-click/", views.unsubscribe_one_click, name="unsubscribe_one_click"),
    path("proposals/<int:pk>/comments/", views.comment_post, name="comment_post"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/moderate/", views.comment_moderate, name="comment_moderate"),
]
