"""The report forms on the proposal page: without JavaScript, for each viewer both ways, once each, with the
errors on their fields and a thank-you."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from proposals.models import Flag, Visibility
from tests.support import factories
from tests.support.factories import a_comment
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db

THANKS = "Thank you: moderators will look at it."


@pytest.fixture
def proposal(consultation):
    return factories.ProposalFactory(consultation=consultation, title="Book a call back")


def page(client, proposal):
    return client.get(reverse("proposal_detail", args=[proposal.pk]))


def report(client, proposal, data, **kwargs):
    return client.post(reverse("proposal_flag", args=[proposal.pk]), data, **kwargs)


def report_details(response, idp: str = "report") -> str:
    html = response.content.decode()
    match = re.search(rf'<details class="report" id="{idp}".*?</details>', html, flags=re.S)
    return match.group(0) if match else ""


# The proposal's form --------------------------------------------------------------------------------------


def test_a_verified_citizen_reports_without_javascript(client_for, citizen, proposal):
    client = client_for(citizen)
    form = report_details(page(client, proposal))
    assert "<summary>Report this proposal</summary>" in form
    assert "<legend>Why should the moderators look at it?</legend>" in form
    for i, label in enumerate(["Spam or advertising", "Abusive, hateful or threatening"], start=1):
        assert f'id="report-reason-{i}" required' in form
        assert f'<label for="report-reason-{i}">{label}</label>' in form
    assert '<label for="report-details">Details (optional)</label>' in form
    assert 'aria-describedby="report-details-help"' in form

    response = report(client, proposal, {"reason": "spam", "details": "Sells phones."}, follow=True)

    assert response.redirect_chain[-1][0] == proposal.get_absolute_url()
    assert THANKS in visible_text(response)
    flag = Flag.objects.get()
    assert (flag.reporter, flag.proposal, flag.reason, flag.details) == (
        citizen,
        proposal,
        "spam",
        "Sells phones.",
    )
    # The form is gone: the page says it was reported.
    after = report_details(response)
    assert "You reported this." in after and "<form" not in after


def test_a_second_report_is_refused_with_a_clear_message(client_for, citizen, proposal):
    client = client_for(citizen)
    report(client, proposal, {"reason": "spam"})
    response = report(client, proposal, {"reason": "abuse"}, follow=True)
    assert "You have already reported this proposal: moderators will look at it." in visible_text(response)
    assert Flag.objects.count() == 1


def test_a_missing_reason_is_an_error_on_the_fieldset(client_for, citizen, proposal):
    response = report(client_for(citizen), proposal, {"reason": "", "details": "Kept <b>text</b>"})
    assert response.status_code == 200
    form = report_details(response)
    assert '<details class="report" id="report" open>' in form
    assert (
        '<fieldset class="field report__reasons field--error" aria-describedby="report-reason-error">' in form
    )
    assert '<ul class="field__errors" id="report-reason-error"><li>This field is required.</li></ul>' in form
    assert "Kept &lt;b&gt;text&lt;/b&gt;</textarea>" in form  # what they typed comes back, escaped
    assert not Flag.objects.exists()


def test_too_long_details_are_an_error_on_their_field(client_for, citizen, proposal):
    response = report(client_for(citizen), proposal, {"reason": "spam", "details": "x" * 501})
    form = report_details(response)
    assert 'id="report-details-error"' in form
    assert 'aria-describedby="report-details-help report-details-error" aria-invalid="true"' in form
    assert 'value="spam" id="report-reason-1" required checked' in form
    assert not Flag.objects.exists()


def test_a_visitor_is_asked_to_sign_in(client, proposal):
    form = report_details(page(client, proposal))
    assert "Sign in to report it to the moderators." in form and "<form" not in form
    response = report(client, proposal, {"reason": "spam"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not Flag.objects.exists()


def test_an_unverified_citizen_is_asked_to_confirm_their_address(client_for, proposal):
    client = client_for(factories.unverified_citizen())
    form = report_details(page(client, proposal))
    assert "Confirm your e-mail address" in form and "<form" not in form
    response = report(client, proposal, {"reason": "spam"}, follow=True)
    assert "Confirm your e-mail address before reporting content." in visible_text(response)
    assert not Flag.objects.exists()


def test_the_author_is_offered_no_form_and_cannot_post_one(client_for, proposal):
    client = client_for(proposal.author)
    assert report_details(page(client, proposal)) == ""
    response = report(client, proposal, {"reason": "spam"}, follow=True)
    assert "You cannot report your own proposal." in visible_text(response)
    assert not Flag.objects.exists()


@pytest.mark.parametrize("visibility", [Visibility.PENDING, Visibility.HIDDEN])
def test_unpublished_proposals_offer_no_form_and_are_404_to_others(client_for, consultation, visibility):
    proposal = factories.ProposalFactory(consultation=consultation, visibility=visibility)
    assert report_details(page(client_for(proposal.author), proposal)) == ""
    assert report_details(page(client_for(factories.moderator()), proposal)) == ""
    assert report(client_for(factories.citizen()), proposal, {"reason": "spam"}).status_code == 404
    assert not Flag.objects.exists()


def test_the_form_is_post_only_and_csrf_protected(citizen, proposal):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    assert report(client, proposal, {"reason": "spam"}).status_code == 403
    assert client.get(reverse("proposal_flag", args=[proposal.pk])).status_code == 405
    assert not Flag.objects.exists()


def test_reports_are_rate_limited(monkeypatch, client_for, citizen, consultation):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"flags": "1/hour"})
    first, second = (factories.ProposalFactory(consultation=consultation) for _ in range(2))
    client = client_for(citizen)
    assert report(client, first, {"reason": "spam"}).status_code == 302
    refused = report(client, second, {"reason": "spam"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Flag.objects.count() == 1


# Comments' forms -------------------------------------------------------------------------------------------


def test_others_comments_link_to_their_report_form_and_ones_own_has_none(client_for, citizen, proposal):
    theirs, mine = a_comment(proposal), a_comment(proposal, author=citizen)
    client = client_for(citizen)
    html = page(client, proposal).content.decode()
    # A link per comment, not a form per comment; its name says whose comment it reports.
    link = f'href="{proposal.get_absolute_url()}?report={theirs.pk}#report-comment-{theirs.pk}"'
    assert link in html
    assert f"Report this comment by {theirs.author.public_name}" in html
    assert f"?report={mine.pk}" not in html
    assert 'name="reason"' not in html.split('id="comments"')[1].split('id="report-template"')[0]

    # The link's page: that comment's form, open, at its anchor; no other comment's.
    response = client.get(reverse("proposal_detail", args=[proposal.pk]), {"report": theirs.pk})
    form = report_details(response, f"report-comment-{theirs.pk}")
    assert form.startswith(f'<details class="report" id="report-comment-{theirs.pk}" open>')
    assert "<summary>Report this comment</summary>" in form
    assert f'action="{reverse("comment_flag", args=[theirs.pk])}"' in form
    assert f'<label for="report-comment-{theirs.pk}-reason-1">Spam or advertising</label>' in form
    assert report_details(response, f"report-comment-{mine.pk}") == ""


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "١"])
def test_a_bad_report_parameter_is_ignored(client_for, citizen, proposal, value):
    a_comment(proposal)
    response = client_for(citizen).get(reverse("proposal_detail", args=[proposal.pk]), {"report": value})
    assert response.status_code == 200
    thread = response.content.decode().split('id="report-template"')[0]
    assert '<details class="report" id="report-comment-' not in thread


def test_a_citizen_reports_a_comment(client_for, citizen, proposal):
    comment = a_comment(proposal)
    client = client_for(citizen)
    url = reverse("comment_flag", args=[comment.pk])

    response = client.post(url, {"reason": "abuse"})

    assert response.status_code == 302
    assert response["Location"] == f"{proposal.get_absolute_url()}#comment-{comment.pk}"
    assert Flag.objects.get().comment == comment
    after = client.get(response["Location"])
    assert THANKS in visible_text(after)
    assert "You reported this." in report_details(after, f"report-comment-{comment.pk}")
    again = client.post(url, {"reason": "spam"}, follow=True)
    assert "You have already reported this comment" in visible_text(again)
    assert Flag.objects.count() == 1


def test_a_bad_comment_report_comes_back_as_a_message(client_for, citizen, proposal):
    comment = a_comment(proposal)
    response = client_for(citizen).post(reverse("comment_flag", args=[comment.pk]), {}, follow=True)
    assert "This field is required." in visible_text(response)
    assert not Flag.objects.exists()


def test_hidden_comments_cannot_be_reported(client_for, citizen, proposal):
    comment = a_comment(proposal, visibility=Visibility.HIDDEN)
    assert (
        client_for(citizen).post(reverse("comment_flag", args=[comment.pk]), {"reason": "spam"}).status_code
        == 404
    )
    assert not Flag.objects.exists()
