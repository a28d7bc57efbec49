"""The reader's Wagtail Locale, read once per request.

`Locale.get_active()` is a query each time, and a consultation's page asks for it several times (its
categories', stages' and translations' texts in the reader's language). Within a request the active
language's Locale is read once and kept in the request's context; it is forgotten when the request ends
and each request starts with none, so a Locale added or removed counts from the next request. Outside a
request (commands, tasks) it is read each time, as before.
"""

from contextvars import ContextVar

from django.utils import translation
from wagtail.models import Locale

_kept: ContextVar[dict | None] = ContextVar("cocreate_active_locales", default=None)


def active_locale() -> Locale:
    """Locale.get_active(), once per request and language; raises Locale.DoesNotExist as it does."""
    kept = _kept.get()
    if kept is None:
        return Locale.get_active()
    language = translation.get_language()
    locale = kept.get(language)
    if locale is None:
        locale = kept[language] = Locale.get_active()
    return locale


def language_code_of(page) -> str:
    """The language code of `page`'s locale, without a query when it is the reader's."""
    try:
        active = active_locale()
    except Locale.DoesNotExist:
        return page.locale.language_code
    return active.language_code if active.pk == page.locale_id else page.locale.language_code


def request_started(**kwargs) -> None:
    _kept.set({})


def request_finished(**kwargs) -> None:
    _kept.set(None)
