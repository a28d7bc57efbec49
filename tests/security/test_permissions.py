"""Every endpoint, for each role, both ways: the role that may succeeds; the others are refused as the
interface says (the API: 401 then 403 in the common error body; the pages: the log-in page then 403 or,
in the CMS, Wagtail's log-in page). One row per endpoint; docs/roles.md is the matrix this follows."""

from types import SimpleNamespace

import pytest

from proposals.models import Flag, FlagReason
from tests.support import factories
from tests.support.api import assert_error, make_user
from tests.support.factories import a_comment
from tests.support.security import ROLES, signed_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # noqa: S105 - the factories' password
ANYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": 401, **dict.fromkeys(ROLES[1:], 200)}
VERIFIED = {"anonymous": 401, "unverified_citizen": 403, "citizen": 201, "moderator": 201, "official": 201}
STAFF = {"anonymous": 401, "unverified_citizen": 403, "citizen": 403, "moderator": 200, "official": 200}
OFFICIALS = {**STAFF, "moderator": 403}


def writes(expected: dict, ok: int) -> dict:
    return {role: ok if code in (200, 201) else code for role, code in expected.items()}


# (method, path, JSON body, expected status per role). {p}: a published proposal of someone else's, {c}: a
# published comment of someone else's on it, both reported once; {page}: their consultation.
API = [
    ("get", "/api/v1/consultations/", None, ANYONE),
    ("get", "/api/v1/consultations/{page}/", None, ANYONE),
    ("get", "/api/v1/consultations/{page}/proposals/", None, ANYONE),
    ("get", "/api/v1/consultations/{page}/dashboard/", None, OFFICIALS),
    ("get", "/api/v1/awaiting-responses/", None, OFFICIALS),
    ("get", "/api/v1/search/?q=proposal", None, ANYONE),
    ("get", "/api/v1/proposals/similar/?consultation={page}&title=proposal", None, ANYONE),
    ("get", "/api/v1/proposals/{p}/", None, ANYONE),
    ("get", "/api/v1/proposals/{p}/history/", None, ANYONE),
    ("get", "/api/v1/proposals/{p}/comments/", None, ANYONE),
    ("get", "/api/v1/comments/{c}/", None, ANYONE),
    (
        "post",
        "/api/v1/proposals/",
        {"consultation": "{page}", "title": "T", "summary": "S", "body": "B"},
        VERIFIED,
    ),
    ("post", "/api/v1/proposals/{p}/support/", None, VERIFIED),
    ("delete", "/api/v1/proposals/{p}/support/", None, writes(VERIFIED, 204)),
    ("post", "/api/v1/proposals/{p}/flag/", {"reason": "abuse"}, VERIFIED),
    ("post", "/api/v1/comments/{c}/flag/", {"reason": "abuse"}, VERIFIED),
    ("post", "/api/v1/proposals/{p}/comments/", {"body": "Agreed."}, VERIFIED),
    ("post", "/api/v1/proposals/{p}/follow/", None, writes(SIGNED_IN, 201)),
    ("delete", "/api/v1/proposals/{p}/follow/", None, writes(SIGNED_IN, 204)),
    ("get", "/api/v1/notifications/", None, SIGNED_IN),
    ("post", "/api/v1/notifications/read/", None, SIGNED_IN),
    ("get", "/api/v1/me/export/", None, SIGNED_IN),
    (
        "post",
        "/api/v1/me/delete/",
        {"password": PASSWORD},
        {**writes(SIGNED_IN, 204), "moderator": 403, "official": 403},
    ),
    ("get", "/api/v1/moderation/queue/", None, STAFF),
    ("post", "/api/v1/proposals/{p}/moderation/", {"action": "hide", "reason": "Spam."}, STAFF),
    ("post", "/api/v1/comments/{c}/moderation/", {"action": "hide", "reason": "Spam."}, STAFF),
    ("post", "/api/v1/proposals/{p}/dismiss-flags/", {}, STAFF),
    ("post", "/api/v1/comments/{c}/dismiss-flags/", {}, STAFF),
    ("post", "/api/v1/proposals/{p}/status/", {"status": "under_review", "note": ""}, OFFICIALS),
    (
        "post",
        "/api/v1/proposals/{p}/responses/",
        {"body": "We will.", "decision": ""},
        writes(OFFICIALS, 201),
    ),
    # Someone else's comment: nobody may edit or delete it, moderators included.
    ("patch", "/api/v1/comments/{c}/", {"body": "Changed."}, {**writes(STAFF, 403), "anonymous": 401}),
    ("delete", "/api/v1/comments/{c}/", None, {**writes(STAFF, 403), "anonymous": 401}),
]

LOGIN, CMS_LOGIN = "login", "cms login"
SIGNED_IN_PAGE = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)}
CMS_STAFF = {**dict.fromkeys(ROLES[:3], CMS_LOGIN), "moderator": 200, "official": 200}
# (path, expected per role: a status, or where the visitor is sent to sign in).
PAGES = [
    ("/", ANYONE),
    ("{page_url}", ANYONE),
    ("/proposals/{p}/", ANYONE),
    ("/search/?q=proposal", ANYONE),
    ("/consultations/{page}/propose/", SIGNED_IN_PAGE),
    ("/account/", SIGNED_IN_PAGE),
    ("/account/export/", SIGNED_IN_PAGE),
    ("/account/delete/", SIGNED_IN_PAGE),
    ("/notifications/", SIGNED_IN_PAGE),
    ("/api/docs/", ANYONE),
    ("/api/schema/", ANYONE),
    ("/cms/", CMS_STAFF),
    ("/cms/proposals/", CMS_STAFF),
    ("/cms/proposals/{p}/", CMS_STAFF),
    ("/cms/promises/", {**CMS_STAFF, "moderator": 403}),
    ("/cms/promises/dashboards/", {**CMS_STAFF, "moderator": 403}),
    ("/cms/promises/dashboards/{page}/", {**CMS_STAFF, "moderator": 403}),
]


@pytest.fixture
def scene():
    proposal = factories.ProposalFactory()
    comment = a_comment(proposal)
    reporter = factories.citizen()
    for target in ({"proposal": proposal}, {"comment": comment}):
        Flag.objects.create(reporter=reporter, reason=FlagReason.SPAM, **target)
    page = proposal.consultation
    return SimpleNamespace(
        proposal=proposal,
        comment=comment,
        ids={"p": proposal.pk, "c": comment.pk, "page": page.pk, "page_url": page.url},
    )


def fill(value, ids):
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "expected"), API, ids=[f"{m} {p}" for m, p, *_ in API])
def test_api(scene, role, method, path, body, expected):
    kwargs = {"content_type": "application/json"} if body is not None else {}
    response = getattr(signed_in(make_user(role)), method)(
        fill(path, scene.ids), fill(body or {}, scene.ids), **kwargs
    )
    want = expected[role]
    if want >= 400:
        assert_error(response, want, "not_authenticated" if want == 401 else response.json()["error"]["code"])
        assert want != 403 or response.json()["error"]["code"] in {
            "forbidden",
            "email_unverified",
            "account_has_role",
        }
    else:
        assert response.status_code == want, response.content[:300]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "expected"), PAGES, ids=[p for p, _ in PAGES])
def test_pages(scene, role, path, expected):
    response = signed_in(make_user(role)).get(fill(path, scene.ids))
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={fill(path, scene.ids)}"
    elif want == CMS_LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/cms/login/")
    else:
        assert response.status_code == want
