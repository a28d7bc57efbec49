from django.urls import path

from . import views

urlpatterns = [
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
]
