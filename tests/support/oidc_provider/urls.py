from django.urls import include, path

urlpatterns = [
    path("", include("allauth.idp.urls")),  # discovery, keys, authorization, token and user info
    path("accounts/", include("allauth.urls")),  # where its people sign in
]
