from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/support/", views.proposal_support, name="proposal_support"),
    path(
        "proposals/<int:pk>/support/withdraw/",
        views.proposal_support_withdraw,
        name="proposal_support_withdraw",
    ),
    path("consultations/<int:page_id>/propose/", views.proposal_submit, name="proposal_submit"),
    path("account/", views.account, name="account"),
    path("account/token/", views.account_token, name="account_token"),
    path("account/token/revoke/", views.account_token_revoke, name="account_token_revoke"),
]
