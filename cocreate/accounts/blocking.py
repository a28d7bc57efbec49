"""Blocked accounts: a moderator's block (models.AccountBlock) lets the person sign in and read, and refuses
every write (403 `account_blocked`) but the ones a person is always entitled to (ALWAYS_ALLOWED).

Where the check stands, so that no write can forget it: on the way in, not in each service. Every unsafe
request (POST, PUT, PATCH, DELETE) passes BlockedAccountMiddleware, which refuses it for a blocked person
signed in with a session: the site's forms, the API used from the site, the Wagtail admin. The API's other
way in, a token, is read by DRF inside the view, after the middlewares: cocreate.authentication's
TokenAuthentication asks the same question (write_refused) as it reads the token. A new view or API
endpoint is covered without a line of its own; one the person must keep is added to ALWAYS_ALLOWED.

Whether the block stands is read in the one statement that reads the person on every request
(selectors.user_with_roles, selectors.token_with_roles): no query of its own, and a block counts from the
person's next request.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from cocreate.exceptions import error_body

from .models import AccountBlock
from .roles import BLOCKED_ATTRIBUTE

ACCOUNT_BLOCKED = "account_blocked"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# What a blocked person may still do (URL names), each writing nothing anybody else reads: sign out and
# manage their sign-in (every view of allauth's, below: log-in and log-out, addresses, password, second
# factor), change the site's language, export or delete their data, manage their API token (a credential,
# like the password), and receive less (mark notifications read, stop e-mails).
ALWAYS_ALLOWED = frozenset(
    {
        "set_language",
        "language_switch",
        "account_export",
        "account_delete",
        "me-export",
        "me-delete",
        "account_token",
        "account_token_revoke",
        "notifications_read",
        "notification-read",
        "account_notifications",
        "unsubscribe",
        "unsubscribe_one_click",
        "wagtailadmin_logout",
    }
)


def is_blocked(user) -> bool:
    """Whether a block stands on `user`'s account; read with the person (no query) or, for a user read
    some other way, with the block itself (standing_block), once per user object."""
    if not getattr(user, "is_authenticated", False):
        return False
    blocked = getattr(user, BLOCKED_ATTRIBUTE, None)
    if blocked is None:
        blocked = standing_block(user) is not None
        setattr(user, BLOCKED_ATTRIBUTE, blocked)
    return blocked


_BLOCK_ATTRIBUTE = "_cocreate_standing_block"


def standing_block(user) -> AccountBlock | None:
    """The block standing on `user`'s account, read once per user object (the refusal and the page's
    notice both say its reason)."""
    if not hasattr(user, _BLOCK_ATTRIBUTE):
        block = AccountBlock.objects.filter(user_id=user.pk, lifted_at__isnull=True).first()
        setattr(user, _BLOCK_ATTRIBUTE, block)
    return getattr(user, _BLOCK_ATTRIBUTE)


def _always_allowed(request) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
    module = getattr(match.func, "__module__", "") or ""
    return match.url_name in ALWAYS_ALLOWED or module.startswith("allauth.")


def write_refused(request, user) -> bool:
    """Whether `request`, by `user`, is a write their block refuses. Cheap for anything else: a safe
    method is answered before the user is even looked at."""
    return request.method not in SAFE_METHODS and is_blocked(user) and not _always_allowed(request)


def refusal_message(user) -> str:
    block = standing_block(user)
    message = _(
        "Your account is blocked by the moderators: you can still read, sign out, and export or delete your "
        "data, but not take part."
    )
    if block is not None:
        message += " " + _("Reason: %(reason)s") % {"reason": block.reason}
    return message


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def refusal_response(request, user):
    """The 403: the common error body under /api/, the site's page elsewhere (the reason, and what the
    person can still do). Nothing was written."""
    message = refusal_message(user)
    if _is_api(request):
        return JsonResponse(error_body(ACCOUNT_BLOCKED, message), status=403)
    return render(request, "account_blocked.html", {"message": message}, status=403)


class BlockedAccountMiddleware:
    """After AuthenticationMiddleware (and CSRF's check): a blocked person's write, signed in with a session,
    is refused before its view runs. Synchronous, like the middlewares around it (see
    cocreate.accounts.language.RememberLanguageMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS:
            return None  # no session read for a page view
        user = getattr(request, "user", None)
        if user is not None and write_refused(request, user):
            return refusal_response(request, user)
        return None
