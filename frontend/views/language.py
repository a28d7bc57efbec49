"""The language switcher in the header of every page."""

from urllib.parse import urlsplit

from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django.views.i18n import set_language


@csrf_exempt
@require_POST
def language_switch(request):
    """Django's set_language. The pages kept for every visitor who is not signed in (cocreate/page_cache.py)
    carry no CSRF token, so such a visitor's switch is taken without one when the browser says it comes
    from this site (its Origin header, or without one its Referer), as Django's own origin check would; all
    it can change is the language cookie of someone with no account. Anything else (a signed-in person,
    another origin, neither header) needs the token, as everywhere."""
    if request.user.is_authenticated or not _from_this_site(request):
        return csrf_protect(set_language)(request)
    return set_language(request)


def _from_this_site(request) -> bool:
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else ""
    return origin == f"{request.scheme}://{request.get_host()}"
