"""Keep User.language current: the language a person last used the site in, which their e-mails use."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation


def email_language(user) -> str:
    """The language `user`'s e-mails are written in: the one they last used the site in if the site has it,
    else the site's default."""
    available = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in available else settings.LANGUAGE_CODE


def remember_language(user, code: str | None) -> None:
    """Store `code` on the account if it is one of the site's languages and differs from the stored one
    (so a request in the same language as before writes nothing)."""
    if not code or not getattr(user, "is_authenticated", False):
        return
    try:
        code = translation.get_supported_language_variant(code)
    except LookupError:
        return
    if user.language != code:
        get_user_model().objects.filter(pk=user.pk).update(language=code)
        user.language = code


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    remember_language(user, getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE)


class RememberLanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: a signed-in person's request for one of the
    site's pages in another language than the stored one (they changed it with the switcher) updates it.
    One comparison per request; a write only on a change.

    The API is left out: a client's Accept-Language is not a choice made on the site, and every API client
    with a blank language would otherwise cost an UPDATE of its account on its first request.

    Deliberately synchronous. Under ASGI, Django runs each middleware in the mode of the one below it when
    it can: with this one, the innermost, synchronous (and WhiteNoise, near the top, sync-only anyway) the
    whole stack runs in the request's thread in one go. Made async-capable, it turned the eight
    MiddlewareMixin middlewares above it async, each of them hopping to the thread and back for its
    process_request and process_response: a trivial API view served 0.6-0.65x the requests per second."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if not _is_api(request) and user is not None and user.is_authenticated:
            remember_language(user, getattr(request, "LANGUAGE_CODE", None))
        return response
