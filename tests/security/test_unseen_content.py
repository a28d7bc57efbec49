"""A pending or hidden proposal, or one of a private consultation, exists only for those who may see it, in
every channel that could show it: pages, API reads, search, similar proposals, history, comments, and every
write that names it. Pending and hidden comments likewise. (The live stream: test_socket.py.)"""

import pytest

from proposals.models import Flag, Follow, Visibility
from tests.support import factories
from tests.support.api import make_user
from tests.support.security import OUTSIDERS, STAFF, signed_in, unseen_proposal
from votes.models import Support

pytestmark = pytest.mark.django_db

KINDS = ("pending", "hidden", "private")
SECRET = "Zanzibar unseen idea"
CONTROL = "Zanzibar open idea"  # published, public: every list channel shows it, so the check can fail
# What is looked for in a response: search pages highlight the query's word, so not the whole title.
UNSEEN, SEEN = b"unseen idea", b"open idea"

# Channels that name the proposal: an outsider gets the 404 of a proposal that does not exist.
DETAIL_READS = {
    "proposal page": "/proposals/{pk}/",
    "api detail": "/api/v1/proposals/{pk}/",
    "api history": "/api/v1/proposals/{pk}/history/",
    "api comments": "/api/v1/proposals/{pk}/comments/",
}
# Writes that name it, as a verified citizen who is not its author (JSON where the URL is the API's).
DETAIL_WRITES = {
    "api support": ("/api/v1/proposals/{pk}/support/", {}),
    "api follow": ("/api/v1/proposals/{pk}/follow/", {}),
    "api flag": ("/api/v1/proposals/{pk}/flag/", {"reason": "spam"}),
    "api comment": ("/api/v1/proposals/{pk}/comments/", {"body": "Me too."}),
    "support form": ("/proposals/{pk}/support/", {}),
    "follow form": ("/proposals/{pk}/follow/", {}),
    "report form": ("/proposals/{pk}/report/", {"reason": "spam"}),
    "comment form": ("/proposals/{pk}/comments/", {"body": "Me too."}),
}
# Lists that could mention it: it is never there, the control always is (except a private consultation's
# own lists, which do not exist for outsiders at all).
LISTS = {
    "consultation page": "{page}",
    "api consultation list": "/api/v1/consultations/{cid}/proposals/",
    "api search": "/api/v1/search/?q=Zanzibar",
    "search page": "/search/?q=Zanzibar",
    "api similar": "/api/v1/proposals/similar/?consultation={cid}&title=Zanzibar+idea",
    "api search in its consultation": "/api/v1/search/?q=Zanzibar&consultation={cid}",
}
PER_CONSULTATION = {name for name, url in LISTS.items() if "{cid}" in url or "{page}" in url}


@pytest.fixture
def author():
    return factories.citizen()


def is_api(url: str) -> bool:
    return url.startswith("/api/")


def assert_not_found(response, url):
    assert response.status_code == 404, (url, response.status_code)
    assert UNSEEN not in response.content
    if is_api(url):
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("channel", DETAIL_READS)
@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_read_nothing(kind, channel, role, author):
    proposal = unseen_proposal(kind, author=author, title=SECRET)
    url = DETAIL_READS[channel].format(pk=proposal.pk)
    assert_not_found(signed_in(make_user(role)).get(url), url)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("channel", DETAIL_READS)
@pytest.mark.parametrize("role", ["author", *STAFF])
def test_its_author_and_staff_read_it(kind, channel, role, author):
    proposal = unseen_proposal(kind, author=author, title=SECRET)
    url = DETAIL_READS[channel].format(pk=proposal.pk)
    response = signed_in(author if role == "author" else make_user(role)).get(url)
    if kind == "private" and role == "author":
        # A consultation made private takes its proposals with it, the author's too (as taking it offline).
        assert_not_found(response, url)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("channel", DETAIL_WRITES)
def test_writes_naming_it_are_404_and_write_nothing(kind, channel, author):
    proposal = unseen_proposal(kind, author=author, title=SECRET)
    path, data = DETAIL_WRITES[channel]
    url = path.format(pk=proposal.pk)
    client = signed_in(factories.citizen())
    response = (
        client.post(url, data, content_type="application/json") if is_api(url) else client.post(url, data)
    )
    assert_not_found(response, url)
    assert not Support.objects.exists() and not Follow.objects.exists() and not Flag.objects.exists()
    assert not proposal.comments.exists()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("channel", LISTS)
@pytest.mark.parametrize("role", OUTSIDERS)
def test_lists_never_show_it(kind, channel, role, author):
    proposal = unseen_proposal(kind, author=author, title=SECRET)
    same = proposal.consultation if kind != "private" else factories.consultation(title="Public one")
    factories.ProposalFactory(consultation=same, title=CONTROL)
    url = LISTS[channel].format(cid=proposal.consultation_id, page=proposal.consultation.url)
    response = signed_in(make_user(role)).get(url)

    assert UNSEEN not in response.content
    if kind == "private" and channel in PER_CONSULTATION:
        # Not a consultation for them: Wagtail's password form, or the API's 404 / 400 naming the field.
        assert response.status_code in (200, 400, 404)
    else:
        assert response.status_code == 200
        assert SEEN in response.content


# Comments: a pending or hidden comment on a published proposal.

COMMENT_READS = {
    "proposal page": "/proposals/{proposal}/",
    "api comments": "/api/v1/proposals/{proposal}/comments/",
    "api comment": "/api/v1/comments/{comment}/",
}


@pytest.fixture(params=[Visibility.PENDING, Visibility.HIDDEN])
def unseen_comment(request, author):
    from tests.support.factories import a_comment

    proposal = factories.ProposalFactory()
    return a_comment(proposal, author=author, visibility=request.param, body=SECRET)


@pytest.mark.parametrize("channel", COMMENT_READS)
@pytest.mark.parametrize("role", [*OUTSIDERS, "author", *STAFF])
def test_a_pending_or_hidden_comment_is_read_by_its_author_and_staff_only(unseen_comment, channel, role):
    url = COMMENT_READS[channel].format(proposal=unseen_comment.proposal_id, comment=unseen_comment.pk)
    user = unseen_comment.author if role == "author" else make_user(role)
    response = signed_in(user).get(url)
    if role in OUTSIDERS:
        assert UNSEEN not in response.content
        assert response.status_code == (404 if channel == "api comment" else 200)
    else:
        assert response.status_code == 200
        assert UNSEEN in response.content


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/api/v1/comments/{pk}/flag/", {"reason": "spam"}),
        ("patch", "/api/v1/comments/{pk}/", {"body": "Changed."}),
        ("delete", "/api/v1/comments/{pk}/", {}),
        ("post", "/api/v1/proposals/{proposal}/comments/", {"body": "A reply.", "parent": "{pk}"}),
    ],
)
def test_others_cannot_act_on_it_over_the_api(unseen_comment, method, path, data):
    fill = {"pk": unseen_comment.pk, "proposal": unseen_comment.proposal_id}
    data = {key: value.format(**fill) if isinstance(value, str) else value for key, value in data.items()}
    client = signed_in(factories.citizen())
    response = getattr(client, method)(path.format(**fill), data, content_type="application/json")

    assert response.status_code in (400, 404), response.content  # a reply names its parent in a field
    assert UNSEEN not in response.content
    unseen_comment.refresh_from_db()
    assert unseen_comment.body == SECRET and unseen_comment.deleted_at is None
    assert not unseen_comment.replies.exists() and not Flag.objects.exists()


def test_a_restriction_above_the_consultation_hides_its_proposals_too(author):
    """Restricting the consultation list restricts every consultation under it."""
    from wagtail.models import PageViewRestriction

    proposal = factories.ProposalFactory(author=author, title=SECRET)
    PageViewRestriction.objects.create(
        page=proposal.consultation.get_parent(), restriction_type=PageViewRestriction.LOGIN
    )
    client = signed_in(factories.citizen())
    assert_not_found(client.get(f"/api/v1/proposals/{proposal.pk}/"), "/api/v1/")
    assert UNSEEN not in client.get("/api/v1/search/?q=Zanzibar").content
