"""A blocked person's pages show no control to take part (support, comment, reply, report, submit, check
in) but, where the control would be, why not, with a link to the notice that gives the block's reason; the
same person unblocked gets the controls back. The kept cards and comment boxes never carry one reader's
controls, or their absence, to the other."""

import re

import pytest
from django.urls import reverse

from proposals import services
from proposals.services.account_blocks import account_block, account_unblock
from tests.support import factories
from tests.support.factories import published_many as publish

pytestmark = pytest.mark.django_db

NOTE = 'data-role="account-blocked-note"'
EXPLANATION = "Your account is blocked: you can read but not take part."
LINK = 'href="#account-blocked"'


@pytest.fixture
def world():
    consultation = factories.consultation(stages=("Apply online",))
    (proposal,) = publish(consultation, 1)
    comment = services.comment_post(author=factories.citizen(), proposal=proposal, body="Save it halfway.")
    return consultation, proposal, comment


def block(user):
    account_block(actor=factories.moderator(), user=user, reason="Spam, again and again.")


def part(html: str, pattern: str) -> str:
    found = re.search(pattern, html, flags=re.S)
    assert found, pattern
    return found[0]


def card(html: str, proposal) -> str:
    return part(html, rf'<article class="proposal-card" data-proposal-id="{proposal.pk}".*?</article>')


def box(html: str, comment) -> str:
    return part(html, rf'<li class="comment[^"]*" id="comment-{comment.pk}".*?</article>')


def controls(world, html_of) -> dict:
    """What each control's place holds on the consultation and proposal pages, for one reader."""
    consultation, proposal, comment = world
    listing = html_of(consultation.url)
    detail = html_of(proposal.get_absolute_url())
    return {
        "support on a card": card(listing, proposal),
        "support on the proposal": part(detail, r'<aside class="panel proposal__support".*?</aside>'),
        "call to action": part(listing, r'<div class="call-to-action">.*?</section>'),
        "comment": part(detail, r'id="comments".*?<template id="comment-template">'),
        "comment box": box(detail, comment),
        "report the proposal": part(detail, r'<details class="report" id="report".*?</details>'),
    }  # fmt: skip


def test_a_blocked_citizen_sees_why_instead_of_each_control(client_for, world):
    consultation, proposal, comment = world
    citizen = factories.citizen()
    block(citizen)
    client = client_for(citizen)

    for _ in range(2):  # the second time the card and the comment box come from what was kept
        shown = controls(world, lambda url: client.get(url).content.decode())

        for place in (
            "support on a card",
            "support on the proposal",
            "call to action",
            "comment",
            "report the proposal",
        ):
            assert NOTE in shown[place] and EXPLANATION in shown[place] and LINK in shown[place], place
            assert "support-form" not in shown[place] and "report__form" not in shown[place], place
            assert 'id="comment-form"' not in shown[place], place
        assert "Submit a proposal" not in shown["call to action"]
        assert reverse("checkin", args=[consultation.pk]) not in shown["call to action"]
        assert "Reply" not in shown["comment box"] and f"report={comment.pk}" not in shown["comment box"]
    # The link goes to the notice that says why.
    assert 'id="account-blocked"' in client.get(proposal.get_absolute_url()).content.decode()


def test_a_blocked_citizen_asking_for_the_forms_gets_the_reason(client_for, world):
    consultation, _proposal, _comment = world
    citizen = factories.citizen()
    block(citizen)
    client = client_for(citizen)

    for name in ("proposal_submit", "checkin"):
        response = client.get(reverse(name, args=[consultation.pk]))
        assert response.status_code == 403
        content = response.content.decode()
        assert "Spam, again and again." in content and 'name="title"' not in content
        assert 'name="frustration"' not in content


def test_the_same_citizen_unblocked_gets_every_control_back(client_for, world):
    consultation, proposal, comment = world
    citizen = factories.citizen()
    block(citizen)
    client = client_for(citizen)
    client.get(consultation.url), client.get(proposal.get_absolute_url())  # kept as the blocked reader
    account_unblock(actor=factories.moderator(), user=citizen)

    shown = controls(world, lambda url: client.get(url).content.decode())

    assert f'action="/proposals/{proposal.pk}/support/"' in shown["support on a card"]
    assert "Submit a proposal" in shown["call to action"]
    assert reverse("checkin", args=[consultation.pk]) in shown["call to action"]
    assert 'id="comment-form"' in shown["comment"]
    assert "Reply" in shown["comment box"] and f"report={comment.pk}" in shown["comment box"]
    assert 'class="report__form"' in shown["report the proposal"]
    for place in shown.values():
        assert NOTE not in place
    assert client.get(reverse("proposal_submit", args=[consultation.pk])).status_code == 200
    assert client.get(reverse("checkin", args=[consultation.pk])).status_code == 200


def test_kept_parts_never_cross_between_a_blocked_and_an_unblocked_reader(client_for, world):
    _consultation, _proposal, _comment = world
    blocked, free = factories.citizen(), factories.citizen()
    block(blocked)

    # Each in turn, twice: whoever comes second gets what the other's render kept, if the keys allowed it.
    for order in ((free, blocked), (blocked, free)):
        for reader in order * 2:
            shown = controls(world, lambda url, reader=reader: client_for(reader).get(url).content.decode())
            if reader is blocked:
                assert NOTE in shown["support on a card"] and "<form" not in shown["support on a card"]
                assert "Reply" not in shown["comment box"]
            else:
                assert NOTE not in shown["support on a card"] and "<form" in shown["support on a card"]
                assert "Reply" in shown["comment box"]


def test_the_explanation_is_in_french(client_for, world):
    _consultation, proposal, _comment = world
    citizen = factories.citizen()
    block(citizen)
    client = client_for(citizen)
    client.cookies["django_language"] = "fr"

    content = client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Votre compte est bloqué : vous pouvez lire mais pas participer." in content
    assert EXPLANATION not in content
