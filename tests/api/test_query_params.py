"""A query parameter that is present must have a value of its type, on every endpoint that reads one (README,
"The API"): empty, `null`, a word for a number, a number out of range or a value not among the choices is a
400 in the common error body naming the parameter, never read as "no filter" or as the default size."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from proposals.models import Follow, Visibility
from proposals.services import comment_post, proposal_set_status
from tests.support import factories
from tests.support.api import assert_error, client_for
from tests.support.factories import promised

pytestmark = pytest.mark.django_db


@dataclass
class Read:
    user: object
    url: str
    query: str = ""  # parameters every request carries (the search's words)

    def get(self, params: str):
        joined = "&".join(part for part in (self.query, params) if part)
        return client_for(self.user).get(f"{self.url}?{joined}")


def consultation_proposals() -> Read:
    consultation = factories.consultation(categories=("Online",), stages=("Apply",))
    factories.ProposalFactory(consultation=consultation, stage=consultation.stages.get())
    factories.ProposalFactory(consultation=consultation, category=consultation.categories.get())
    return Read(None, f"/api/v1/consultations/{consultation.pk}/proposals/")


def comments() -> Read:
    proposal = factories.ProposalFactory()
    for body in ("First.", "Second."):
        comment_post(author=factories.citizen(), proposal=proposal, body=body)
    return Read(None, f"/api/v1/proposals/{proposal.pk}/comments/")


def notifications() -> Read:
    reader = factories.citizen()
    for _ in range(2):
        proposal = factories.ProposalFactory()
        Follow.objects.create(user=reader, proposal=proposal)
        proposal_set_status(actor=factories.official(), proposal=proposal, status="under_review")
    return Read(reader, "/api/v1/notifications/")


def moderation_queue() -> Read:
    for _ in range(2):
        factories.ProposalFactory(visibility=Visibility.PENDING, published_at=None)
    return Read(factories.moderator(), "/api/v1/moderation/queue/")


def awaiting_responses() -> Read:
    consultation = factories.consultation()
    for days in (2, 5):
        promised(consultation, due_in_days=days, title=f"Due in {days} days")
    return Read(factories.official(), "/api/v1/awaiting-responses/")


def search() -> Read:
    for n in range(2):
        factories.ProposalFactory(title=f"Zanzibar tracker {n}")
    return Read(None, "/api/v1/search/", "q=zanzibar")


PAGINATED: list[Callable[[], Read]] = [
    consultation_proposals,
    comments,
    notifications,
    moderation_queue,
    awaiting_responses,
    search,
]
NAMES = [endpoint.__name__ for endpoint in PAGINATED]


@pytest.mark.parametrize("value", ["", "null", "abc", "0", "-3", "1.5", "1000"])
@pytest.mark.parametrize("endpoint", PAGINATED, ids=NAMES)
def test_a_bad_page_size_is_refused(endpoint, value):
    assert_error(endpoint().get(f"page_size={value}"), 400, "invalid", ["page_size"])


@pytest.mark.parametrize("value", ["", "null", "abc", "0", "-3", "last"])
@pytest.mark.parametrize("endpoint", PAGINATED, ids=NAMES)
def test_a_bad_page_is_refused(endpoint, value):
    assert_error(endpoint().get(f"page={value}"), 400, "invalid", ["page"])


@pytest.mark.parametrize("endpoint", PAGINATED, ids=NAMES)
def test_good_page_and_page_size_are_kept(endpoint):
    read = endpoint()
    first, second = (read.get(f"page_size=1&page={page}") for page in (1, 2))
    assert first.status_code == second.status_code == 200, (first.content, second.content)
    assert first.json()["count"] == 2
    assert [len(r.json()["results"]) for r in (first, second)] == [1, 1]
    assert first.json()["results"] != second.json()["results"]


@pytest.mark.parametrize("endpoint", PAGINATED[:-1], ids=NAMES[:-1])
def test_a_page_past_the_last_is_not_found(endpoint):
    assert_error(endpoint().get("page_size=2&page=2"), 404, "not_found")


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("status", ""),
        ("status", "null"),
        ("category", ""),
        ("category", "null"),
        ("stage", ""),
        ("stage", "null"),
        ("stage", "nope"),
        ("ordering", ""),
        ("ordering", "null"),
        ("awaiting_response", ""),
        ("awaiting_response", "null"),
        ("awaiting_response", "maybe"),
    ],
)
def test_the_consultation_list_refuses_an_empty_or_bad_filter(param, value):
    assert_error(consultation_proposals().get(f"{param}={value}"), 400, "invalid", [param])


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("awaiting_response=true", 0),
        ("awaiting_response=false", 2),
        ("status=open", 2),
        ("category=online", 1),
        ("stage=apply", 1),
        ("ordering=-created&awaiting_response=0", 2),
    ],
)
def test_the_consultation_list_keeps_its_filters(query, count):
    assert consultation_proposals().get(query).json()["count"] == count


@pytest.mark.parametrize("value", ["", "null", "abc", "0"])
def test_awaiting_responses_refuse_an_empty_or_bad_consultation(value):
    assert_error(awaiting_responses().get(f"consultation={value}"), 400, "invalid", ["consultation"])


def test_the_refusal_is_in_the_readers_language():
    url = consultation_proposals().url + "?page_size=abc"
    response = client_for(None).get(url, HTTP_ACCEPT_LANGUAGE="fr")
    fields = assert_error(response, 400, "invalid", ["page_size"])["fields"]
    assert fields["page_size"] == ["Un nombre entier valide est requis."]
