"""POST/DELETE /api/v1/comments/{id}/helpful/ and the thread's `ordering`: each refusal both ways in the
common error body with nothing written, the repeat, the withdrawal, the rate limit, and the orders."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import Comment, CommentHelpful
from proposals.services import comment_delete, comment_helpful_mark, comment_moderate, comment_post
from proposals.services.account_blocks import account_block
from tests.support import factories
from tests.support.api import assert_error, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment():
    proposal = factories.ProposalFactory()
    return comment_post(
        author=factories.citizen(display_name="Ana"), proposal=proposal, body="Save it halfway."
    )


def url(comment) -> str:
    return f"/api/v1/comments/{comment.pk}/helpful/"


def count(comment) -> int:
    return Comment.objects.get(pk=comment.pk).helpful_count


def test_a_citizen_marks_then_repeats_then_withdraws(comment):
    client = client_for(factories.citizen())

    marked = client.post(url(comment))
    assert marked.status_code == 201
    assert marked.json() == {"comment": comment.pk, "helpful": 1, "version": 1, "helpful_by_me": True}
    again = client.post(url(comment))
    assert again.status_code == 200
    assert again.json() == {"comment": comment.pk, "helpful": 1, "version": 1, "helpful_by_me": True}

    read = client.get(f"/api/v1/comments/{comment.pk}/").json()
    assert (read["helpful"], read["helpful_version"], read["helpful_by_me"]) == (1, 1, True)

    withdrawn = client.delete(url(comment))
    assert withdrawn.status_code == 204
    assert client.delete(url(comment)).status_code == 204  # nothing left to withdraw: still done
    assert count(comment) == 0 and not CommentHelpful.objects.exists()
    read = client.get(f"/api/v1/comments/{comment.pk}/").json()
    assert (read["helpful"], read["helpful_version"], read["helpful_by_me"]) == (0, 2, False)


def test_a_visitor_must_sign_in(comment):
    for method in ("post", "delete"):
        assert_error(getattr(client_for(None), method)(url(comment)), 401, "not_authenticated")
    assert count(comment) == 0


def test_the_unverified_and_the_author_are_refused(comment):
    assert_error(client_for(factories.unverified_citizen()).post(url(comment)), 403, "email_unverified")
    assert_error(client_for(comment.author).post(url(comment)), 403, "own_comment")
    assert count(comment) == 0 and not CommentHelpful.objects.exists()


def test_a_blocked_account_is_refused_both_ways(comment):
    citizen = factories.citizen()
    comment_helpful_mark(user=citizen, comment=comment)
    account_block(actor=factories.moderator(), user=citizen, reason="Spam, again and again.")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=citizen).key}")
    assert_error(client.post(url(comment)), 403, "account_blocked")
    assert_error(client.delete(url(comment)), 403, "account_blocked")
    assert count(comment) == 1


def test_a_hidden_comment_is_no_comment_to_citizens_and_refused_to_moderators(comment):
    moderator = factories.moderator()
    comment_moderate(actor=moderator, comment=comment, action="hide", reason="Personal data.")
    assert_error(client_for(factories.citizen()).post(url(comment)), 404, "not_found")
    assert_error(client_for(moderator).post(url(comment)), 409, "comment_not_published")
    assert count(comment) == 0


def test_a_deleted_comment_is_refused(comment):
    comment_delete(actor=comment.author, comment=comment)
    assert_error(client_for(factories.citizen()).post(url(comment)), 409, "comment_not_published")


def test_a_mark_is_withdrawn_from_a_comment_hidden_since(comment):
    citizen = factories.citizen()
    comment_helpful_mark(user=citizen, comment=comment)
    comment_moderate(actor=factories.moderator(), comment=comment, action="hide", reason="Personal data.")

    assert client_for(citizen).delete(url(comment)).status_code == 204
    assert count(comment) == 0
    # Someone who never marked it still finds no such comment.
    assert_error(client_for(factories.citizen()).delete(url(comment)), 404, "not_found")


def test_no_such_comment(comment):
    assert_error(client_for(factories.citizen()).post("/api/v1/comments/999999/helpful/"), 404, "not_found")


def test_marks_are_rate_limited(comment, settings, monkeypatch):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "helpful": "2/hour"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    client = client_for(factories.citizen())
    assert client.post(url(comment)).status_code == 201
    assert client.delete(url(comment)).status_code == 204
    assert_error(client.post(url(comment)), 429, "rate_limited")
    assert count(comment) == 0


# The thread's order


def test_the_thread_in_each_order(comment):
    proposal = comment.proposal
    second = comment_post(author=factories.citizen(), proposal=proposal, body="Second.")
    third = comment_post(author=factories.citizen(), proposal=proposal, body="Third.")
    for _ in range(2):
        comment_helpful_mark(user=factories.citizen(), comment=second)
    comment_helpful_mark(user=factories.citizen(), comment=third)
    reader = factories.citizen()
    comment_helpful_mark(user=reader, comment=third)

    def listed(**params):
        response = client_for(reader).get(f"/api/v1/proposals/{proposal.pk}/comments/", params)
        assert response.status_code == 200
        return [(c["id"], c["helpful"], c["helpful_by_me"]) for c in response.json()["results"]]

    oldest = [(comment.pk, 0, False), (second.pk, 2, False), (third.pk, 2, True)]
    assert listed() == listed(ordering="oldest") == oldest
    assert listed(ordering="helpful") == [(second.pk, 2, False), (third.pk, 2, True), (comment.pk, 0, False)]


@pytest.mark.parametrize("value", ["", "newest", "null", "-helpful"])
def test_an_ordering_without_a_known_value_is_a_400(comment, value):
    response = client_for(None).get(f"/api/v1/proposals/{comment.proposal_id}/comments/", {"ordering": value})
    assert_error(response, 400, "invalid", fields=["ordering"])
