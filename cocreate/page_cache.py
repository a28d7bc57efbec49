"""Whole pages kept a few seconds for visitors who are not signed in, and forgotten as soon as what they
show changes.

Which requests: a GET with no session cookie, no messages cookie and no Authorization header, by an
anonymous user: nothing on such a page can belong to one person (no CSRF token, no "you support this", no
moderator's controls, no message, no signed-in header). A view wrapped in `shared_page` renders these for
everyone alike and opts in with `share(request, consultation_id)`; the others never reach the cache.

The key: scheme, host (the Wagtail site), the language LocaleMiddleware activated (cookie, then
Accept-Language) and the path with its query string as sent, so that filters, sorting and page numbers are
each their own entry and a bad parameter gets the same answer it always did. The entry: the body, its
content type, and the two generations it was rendered under:

- the site's, bumped after commit whenever any Wagtail page is published, unpublished, moved, renamed or
  deleted, or a view restriction is added, changed or removed (cms/signals.py): a consultation made private
  or unpublished is never served from here again, whatever the TTL;
- its consultation's, bumped after commit by every event its live stream announces except counts
  (proposals/live/broadcasts.py): a proposal published, hidden or restored by a moderator, a status, a
  response, a milestone, a comment.

The stream's snapshot carries the consultation's generation, and a second one, its list's, which moves with
it except for comments (a list shows nothing of them). Both are bumped before the event is sent: a page
that reconnects to the generation it was rendered with ("page" for a proposal's, "list" for the
consultation's) missed nothing but counts, which the snapshot brings, and need not read what it shows
again over REST (frontend/static/frontend/live.js). Generations are counted: a bump adds one (INCR: two
bumps at once never share a number), and each event leaves with the generations it moved to, so a page at
generation n that receives the event of n + 1 is up to date at n + 1. A change that moves a generation
without an event (a proposal's details edited) leaves a number no event carries: pages refetch at their
next reconnect. A generation the cache lacks starts again at a random number, which no page knows.

An entry whose generations differ from the current ones, or whose generation is missing from the cache
(evicted), is a miss. Each generation is read before the view reads anything it shows, so a change that
commits during a render leaves that render under a generation that is already gone. Support counts do not
bump anything: they are PAGE_CACHE_SECONDS old at most (twice that at worst: past that time one request
renders the page again while the others still get the kept one), and the page's live script gets a
snapshot of the counts over the socket when it connects (and again on each reconnect), which corrects them.

The entries are in the `pages` cache, which a Redis that does not answer turns into misses
(cocreate/cache.py): no generation is read, so no page is shared and each is rendered from the database, as
for a visitor with a session. A generation bumped meanwhile is deleted from Redis once it answers, so a page
kept before the outage under it is not served after it.

A render is kept only if it answered 200, set no cookie, did not touch the session's contents and did not
ask for a CSRF token (`get_token`, which any {% csrf_token %} calls): a template that embeds one makes the
page uncacheable rather than shared.
"""

import hashlib
import secrets
import time
from functools import wraps
from typing import TypedDict

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.connection import ConnectionProxy
from django.utils.translation import get_language

from cocreate.transactions import after_commit

cache = ConnectionProxy(caches, "pages")  # as django.core.cache.cache is the default one's
SITE = "site"
_SITE = "_page_cache_site"  # request attribute: the site's generation, read before routing
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage.cookie_name


class Generations(TypedDict):
    """A consultation's generations (see the module's docstring), None where the cache did not answer."""

    page: int | None
    list: int | None


def _generation_key(scope: str | int) -> str:
    # A number since generations are counted (an older release kept a random text, which INCR refuses).
    return f"page-generation-number:{scope}"


def _first_generation() -> int:
    """Where a generation the cache lacks starts: at random, so that a page that knew it before it was
    evicted cannot meet its number again (below 2**52: JavaScript counts exactly up to 2**53)."""
    return secrets.randbelow(2**52) + 1


def _bump(scope: str | int) -> int | None:
    """Move the scope's generation on by one: the new one, each bump its own (INCR), or None if the cache
    does not answer."""
    key = _generation_key(scope)
    try:
        return cache.incr(key)
    except ValueError:  # not in the cache (evicted, never read, or the cache is away)
        cache.add(key, _first_generation(), None)
    try:
        return cache.incr(key)
    except ValueError:
        return None


def _list_scope(consultation_id: int) -> str:
    return f"{int(consultation_id)}:list"


def pages_changed(consultation_id: int, list_too: bool = True) -> Generations:
    """Call after commit: every kept page of this consultation (its page in each language, its proposals')
    is forgotten; with `list_too`, the generation of what its list of proposals shows moves as well. The
    generations it moved to ("list" None without `list_too`)."""
    page = _bump(int(consultation_id))
    listed = _bump(_list_scope(consultation_id)) if list_too else None
    return {"page": page, "list": listed}


def pages_changed_on_commit(consultation_id: int, *, list_too: bool = True) -> None:
    """pages_changed after commit."""
    after_commit(pages_changed, int(consultation_id), list_too)


def site_pages_changed_on_commit() -> None:
    """After commit: every kept page is forgotten (a Wagtail page changed: publication, privacy, place)."""
    after_commit(_bump, SITE)


def _generations(*scopes: str | int) -> tuple[int | None, ...]:
    """The current generation of each scope, one made for those the cache lacks (None in the unlikely case
    that it is gone again at once: nothing is kept under it)."""
    keys = [_generation_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, _first_generation(), None)
            found[key] = cache.get(key)
    return tuple(found[key] for key in keys)


def _shareable(request) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not request.user.is_authenticated
    )


def _page_key(request) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"page:{request.scheme}:{request.get_host()}:{get_language()}:{path}"


def may_share(request) -> bool:
    """Whether this request is one whose page may be kept for others (see the module's docstring)."""
    return hasattr(request, _SITE)


def is_shared(request) -> bool:
    """Whether this render is kept for every visitor like this one: nothing personal may go on the page
    (templates read `request.shared_page`)."""
    return bool(getattr(request, "shared_page", None))


def generations(consultation_id: int) -> Generations:
    """The consultation's current generations, "page" (its own) and "list" (its list's), each made if the
    cache lacks it, None when the cache does not answer. The live stream's snapshot carries them (see the
    module's docstring)."""
    page, listed = _generations(int(consultation_id), _list_scope(consultation_id))
    return {"page": page, "list": listed}


def share(request, consultation_id: int) -> None:
    """Note the consultation's generations on the request (`request.live_generations`, which the page gives
    its live script), and keep this render for visitors like this one, as a page of `consultation_id`, if
    may_share(request). Call before reading anything of the consultation's proposals (its generations have
    to be read first; the site's was read before routing), on every page that follows the stream."""
    current = generations(consultation_id)
    request.live_generations = current
    if may_share(request) and current["page"] is not None:
        request.shared_page = (getattr(request, _SITE), int(consultation_id), current["page"])


def _cached(key: str) -> HttpResponse | None:
    """The kept page, if its generations are the current ones. Past its PAGE_CACHE_SECONDS, one request
    renders it again while the others go on getting it (for as long again at most): when a popular page
    runs out, its visitors do not all render it at once."""
    entry = cache.get(key)
    if entry is None:
        return None
    site, consultation_id, consultation, fresh_until, content_type, content = entry
    keys = {_generation_key(SITE): site, _generation_key(consultation_id): consultation}
    current = cache.get_many(list(keys))
    if any(current.get(key) != generation for key, generation in keys.items()):
        return None  # a generation moved on, or is gone: the page may show what is no longer so
    if time.time() >= fresh_until and cache.add(f"{key}:renewing", 1, settings.PAGE_CACHE_SECONDS):
        return None  # this request renders it again
    response = HttpResponse(content, content_type=content_type)
    patch_vary_headers(response, ("Cookie",))
    return response


def _keepable(request, response) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and session.modified)
    )


def shared_page(view):
    """Serve `view`'s page from the cache to visitors who are not signed in, and keep the pages it opts
    in (`share`) for PAGE_CACHE_SECONDS."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _shareable(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        response = _cached(key)
        if response is not None:
            return response
        (site,) = _generations(SITE)  # before routing reads any page
        if site is not None:
            setattr(request, _SITE, site)
        response = view(request, *args, **kwargs)
        shared = getattr(request, "shared_page", None)
        if shared:
            if hasattr(response, "render"):
                response.render()
            if _keepable(request, response):
                seconds = settings.PAGE_CACHE_SECONDS
                entry = (*shared, time.time() + seconds, response["Content-Type"], response.content)
                cache.set(key, entry, 2 * seconds)
                cache.delete(f"{key}:renewing")
        return response

    return wrapper
