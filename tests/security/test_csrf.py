"""Every write a browser session can make needs the CSRF token: without it, 403 (the common error body,
`csrf_failed`, under /api/), nothing done; with it, the CSRF check lets it through. Scripts with a token
(`Authorization: Token`) need none."""

import pytest
from django.utils.crypto import get_random_string
from rest_framework.authtoken.models import Token

from proposals import notifications
from proposals.models import Comment
from tests.support import factories
from tests.support.api import assert_error
from tests.support.factories import a_comment
from tests.support.security import signed_in

pytestmark = pytest.mark.django_db

# (method, URL, form or JSON data, who): {p} a published proposal of someone else's, {c} the person's own
# comment on it, {page} the consultation, {token} the person's unsubscribe link.
API_WRITES = [
    (
        "post",
        "/api/v1/proposals/",
        {"consultation": "{page}", "title": "T", "summary": "S", "body": "B"},
        "citizen",
    ),
    ("post", "/api/v1/proposals/{p}/support/", {}, "citizen"),
    ("delete", "/api/v1/proposals/{p}/support/", {}, "citizen"),
    ("post", "/api/v1/proposals/{p}/follow/", {}, "citizen"),
    ("delete", "/api/v1/proposals/{p}/follow/", {}, "citizen"),
    ("post", "/api/v1/proposals/{p}/flag/", {"reason": "spam"}, "citizen"),
    ("post", "/api/v1/proposals/{p}/comments/", {"body": "Yes."}, "citizen"),
    ("patch", "/api/v1/comments/{c}/", {"body": "Edited."}, "citizen"),
    ("delete", "/api/v1/comments/{c}/", {}, "citizen"),
    ("post", "/api/v1/notifications/read/", {}, "citizen"),
    ("post", "/api/v1/me/delete/", {"password": "correct horse battery staple"}, "citizen"),
    ("post", "/api/v1/proposals/{p}/moderation/", {"action": "hide", "reason": "Spam."}, "official"),
    ("post", "/api/v1/proposals/{p}/status/", {"status": "under_review", "note": ""}, "official"),
    ("post", "/api/v1/proposals/{p}/responses/", {"body": "We will.", "decision": ""}, "official"),
    ("post", "/api/v1/proposals/{p}/dismiss-flags/", {}, "official"),
    ("post", "/api/v1/comments/{c}/moderation/", {"action": "hide", "reason": "Spam."}, "official"),
    ("post", "/api/v1/comments/{c}/dismiss-flags/", {}, "official"),
]
FORMS = [
    ("/consultations/{page}/propose/", {"title": "T", "summary": "S", "body": "B"}, "citizen"),
    ("/proposals/{p}/support/", {}, "citizen"),
    ("/proposals/{p}/support/withdraw/", {}, "citizen"),
    ("/proposals/{p}/follow/", {}, "citizen"),
    ("/proposals/{p}/unfollow/", {}, "citizen"),
    ("/proposals/{p}/report/", {"reason": "spam"}, "citizen"),
    ("/proposals/{p}/comments/", {"body": "Yes."}, "citizen"),
    ("/comments/{c}/edit/", {"body": "Edited."}, "citizen"),
    ("/comments/{c}/delete/", {}, "citizen"),
    ("/comments/{c}/report/", {"reason": "spam"}, "citizen"),
    ("/comments/{c}/moderate/", {"action": "hide", "reason": "Spam."}, "official"),
    ("/account/", {"display_name": "Ada"}, "citizen"),
    ("/account/token/", {}, "citizen"),
    ("/account/token/revoke/", {}, "citizen"),
    ("/account/delete/", {"password": "correct horse battery staple"}, "citizen"),
    ("/account/notifications/", {}, "citizen"),
    ("/notifications/read/", {}, "citizen"),
    ("/unsubscribe/{token}/", {"action": "all"}, "citizen"),
    ("/accounts/logout/", {}, "citizen"),
    ("/accounts/email/", {"action_add": "", "email": "second@example.org"}, "citizen"),
    ("/accounts/password/change/", {"oldpassword": "x", "password1": "y", "password2": "y"}, "citizen"),
    ("/i18n/setlang/", {"language": "fr"}, "citizen"),
    ("/cms/proposals/{p}/moderate/", {"action": "hide", "reason": "Spam."}, "official"),
    ("/cms/proposals/{p}/status/", {"status": "under_review"}, "official"),
]
ANONYMOUS_FORMS = [
    ("/accounts/login/", {"login": "someone@example.org", "password": "x"}),
    ("/accounts/signup/", {"email": "new@example.org", "password1": "x", "password2": "x"}),
    ("/accounts/password/reset/", {"email": "someone@example.org"}),
]


@pytest.fixture
def scene():
    """Who acts and on what: a verified citizen and an official, a proposal of someone else's, the
    citizen's own comment on it."""
    citizen, official = factories.citizen(), factories.official()
    proposal = factories.ProposalFactory()
    comment = a_comment(proposal, author=citizen, body="Mine.")
    token = notifications.unsubscribe_token(user_id=citizen.pk, proposal_id=proposal.pk)
    return {
        "users": {"citizen": citizen, "official": official},
        "ids": {"p": proposal.pk, "c": comment.pk, "page": proposal.consultation_id, "token": token},
    }


def filled(value, ids):
    return value.format(**ids) if isinstance(value, str) else value


def request(client, method, url, data, ids, *, csrf: str | None = None, api: bool):
    data = {key: filled(value, ids) for key, value in data.items()}
    if csrf is not None:
        client.cookies["csrftoken"] = csrf
        data = data if api else {**data, "csrfmiddlewaretoken": csrf}
    kwargs = {"content_type": "application/json"} if api else {}
    headers = {"HTTP_X_CSRFTOKEN": csrf} if api and csrf else {}
    return getattr(client, method)(filled(url, ids), data, **kwargs, **headers)


@pytest.mark.parametrize(("method", "url", "data", "who"), API_WRITES)
def test_a_session_api_write_without_the_token_is_refused(scene, method, url, data, who):
    client = signed_in(scene["users"][who], enforce_csrf_checks=True)
    response = request(client, method, url, data, scene["ids"], api=True)
    assert_error(response, 403, "csrf_failed")
    assert Comment.objects.get(pk=scene["ids"]["c"]).body == "Mine."


@pytest.mark.parametrize(("method", "url", "data", "who"), API_WRITES)
def test_a_session_api_write_with_the_token_passes_the_check(scene, method, url, data, who):
    client = signed_in(scene["users"][who], enforce_csrf_checks=True)
    response = request(client, method, url, data, scene["ids"], csrf=get_random_string(32), api=True)
    assert response.status_code < 300 or response.json()["error"]["code"] != "csrf_failed", response.content


@pytest.mark.parametrize(("method", "url", "data", "who"), API_WRITES)
def test_a_token_api_write_needs_no_csrf_token(scene, method, url, data, who):
    client = signed_in(None, enforce_csrf_checks=True)
    key = Token.objects.create(user=scene["users"][who]).key
    url, ids = filled(url, scene["ids"]), scene["ids"]
    body = {key_: filled(value, ids) for key_, value in data.items()}
    response = getattr(client, method)(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    # Through to the view: done, or refused for what it is (no reports to dismiss: 409), never 401/403.
    assert response.status_code in (200, 201, 204, 409), response.content


@pytest.mark.parametrize(("url", "data", "who"), FORMS)
def test_a_form_without_the_token_is_refused(scene, url, data, who):
    client = signed_in(scene["users"][who], enforce_csrf_checks=True)
    response = request(client, "post", url, data, scene["ids"], api=False)
    assert response.status_code == 403
    assert Comment.objects.get(pk=scene["ids"]["c"]).body == "Mine."
    assert Token.objects.count() == 0


@pytest.mark.parametrize(("url", "data", "who"), FORMS)
def test_a_form_with_the_token_passes_the_check(scene, url, data, who):
    client = signed_in(scene["users"][who], enforce_csrf_checks=True)
    response = request(client, "post", url, data, scene["ids"], csrf=get_random_string(32), api=False)
    assert response.status_code != 403


@pytest.mark.parametrize(("url", "data"), ANONYMOUS_FORMS)
def test_the_sign_in_forms_need_the_token_too(url, data):
    client = signed_in(None, enforce_csrf_checks=True)
    assert request(client, "post", url, data, {}, api=False).status_code == 403
    assert request(client, "post", url, data, {}, csrf=get_random_string(32), api=False).status_code != 403
