from django.conf import settings
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cocreate.accounts import views as accounts_views
from cocreate.page_cache import shared_page

urlpatterns = [
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Before allauth's own route to the same view: a provider that cannot be reached is a page, not a 500.
    path("accounts/oidc/<str:provider_id>/login/", accounts_views.provider_login),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("cocreate.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("frontend.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's catch-all serves the consultation pages; it must stay last. Its page view is kept for visitors
# who are not signed in (cocreate/page_cache.py) when the page opts in, as a consultation page does.
urlpatterns += [url for url in wagtail_urls.urlpatterns if url.name != "wagtail_serve"]
serve = shared_page(wagtail_views.serve)
urlpatterns.append(re_path(wagtail_urls.serve_pattern, serve, name="wagtail_serve"))

handler400 = "cocreate.views.bad_request"
handler404 = "cocreate.views.not_found"
handler500 = "cocreate.views.server_error"
# Not Django's: allauth looks it up here for the 429 of its sign-in limits.
handler429 = "cocreate.views.sign_in_limited"
