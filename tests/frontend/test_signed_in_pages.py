"""The pages people read signed in: their queries do not grow with what they list, each reader sees their
own support controls on cards kept for everyone, and a session's roles are read again on every request."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test.utils import CaptureQueriesContext

from cocreate.accounts.roles import MODERATORS_GROUP
from proposals import services
from proposals.models import Proposal
from tests.support import factories
from tests.support.factories import published_many as publish
from votes.models import Support

pytestmark = pytest.mark.django_db

# Every query of a signed-in render, whatever the number of proposals or comments. If a change adds one,
# it adds it to every signed-in page: say why in the change and raise the number there.
CONSULTATION_QUERIES = 20
# The proposal page: 17 since it shows the edits its author made (its versions, one query); 18 since it
# shows its pictures and documents (one query, prefetched with the proposal); 19 since it credits the
# duplicates merged into it (one query); 20 since it names its co-authors (one query, accounts joined);
# 21 since it reads its consultation's generation before the proposal, for the live script (its
# consultation's id by primary key: cocreate/page_cache.py).
PROPOSAL_QUERIES = 21


def queries(client, url: str) -> list[str]:
    client.get(url)  # the first request fills the per-process caches (Wagtail's site, content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def part(response, pattern: str, what: str) -> str:
    found = re.search(pattern, response.content.decode(), flags=re.S)
    assert found, f"no {what}"
    return found[0]


def card(response, proposal) -> str:
    pattern = rf'<article class="proposal-card" data-proposal-id="{proposal.pk}".*?</article>'
    return part(response, pattern, f"card for {proposal.title}")


def test_the_consultation_page_costs_the_same_queries_for_a_half_and_a_full_page(
    client_for, consultation, citizen
):
    client = client_for(citizen)
    publish(consultation, 10, supporter=citizen)
    assert len(queries(client, consultation.url)) == CONSULTATION_QUERIES

    publish(consultation, 10, first=11, supporter=citizen)

    assert len(queries(client, consultation.url)) == CONSULTATION_QUERIES


def test_the_proposal_page_costs_the_same_queries_whatever_its_thread(client_for, consultation, citizen):
    client = client_for(citizen)
    (proposal, *_others) = publish(consultation, 10, supporter=citizen)
    for _ in range(3):
        factories.a_comment(proposal)
    url = proposal.get_absolute_url()
    assert len(queries(client, url)) == PROPOSAL_QUERIES

    publish(consultation, 10, first=11)
    for _ in range(6):
        factories.a_comment(proposal)

    assert len(queries(client, url)) == PROPOSAL_QUERIES


def test_a_session_reads_the_person_and_their_roles_in_one_query(client_for, consultation, moderator):
    (proposal,) = publish(consultation, 1)

    sent = queries(client_for(moderator), proposal.get_absolute_url())

    assert not [sql for sql in sent if '"auth_group"' in sql and "EXISTS" not in sql]
    assert not [sql for sql in sent if sql.lstrip().startswith('SELECT 1 AS "a" FROM "account_emailaddress"')]


def test_a_reader_with_nothing_unread_costs_one_small_look_at_their_notifications(
    client_for, consultation, citizen
):
    (proposal,) = publish(consultation, 1)

    sent = queries(client_for(citizen), proposal.get_absolute_url())

    (notifications,) = [sql for sql in sent if '"proposals_notification"' in sql]
    assert '"proposals_auditentry"' not in notifications  # not the rule of which ones count


def test_a_role_taken_away_counts_at_the_next_request(client_for, consultation, moderator):
    (proposal,) = publish(consultation, 1)
    factories.a_comment(proposal)
    client = client_for(moderator)
    assert 'class="comment__moderation"' in client.get(proposal.get_absolute_url()).content.decode()

    moderator.groups.remove(moderator.groups.get(name=MODERATORS_GROUP))

    assert 'class="comment__moderation"' not in client.get(proposal.get_absolute_url()).content.decode()


def test_a_deactivated_account_is_signed_out_at_the_next_request(client_for, consultation, citizen):
    client = client_for(citizen)
    assert "Submit a proposal" in client.get(consultation.url).content.decode()

    type(citizen).objects.filter(pk=citizen.pk).update(is_active=False)

    assert "Sign in to submit and support proposals." in client.get(consultation.url).content.decode()


def test_each_reader_sees_their_own_support_control_on_a_kept_card(client_for, consultation):
    (proposal,) = publish(consultation, 1)
    ana, ben, unverified = factories.citizen(), factories.citizen(), factories.unverified_citizen()
    Support.objects.create(proposal=proposal, user=ana)
    withdraw = f'action="/proposals/{proposal.pk}/support/withdraw/"'

    # Each in turn, twice: the second time every card's public part comes from what was kept.
    for _ in range(2):
        ana_card = card(client_for(ana).get(consultation.url), proposal)
        ben_card = card(client_for(ben).get(consultation.url), proposal)
        unverified_card = card(client_for(unverified).get(consultation.url), proposal)
        visitor_card = card(client_for().get(consultation.url), proposal)

        assert withdraw in ana_card and 'data-supported="true"' in ana_card
        assert withdraw not in ben_card and 'data-supported="false"' in ben_card
        assert "csrfmiddlewaretoken" in ana_card and "csrfmiddlewaretoken" in ben_card
        assert "Confirm your e-mail address" in unverified_card and "<form" not in unverified_card
        assert "csrfmiddlewaretoken" not in visitor_card and 'action="/accounts/login/"' in visitor_card


def test_each_reader_gets_their_own_csrf_token_in_a_kept_support_control(client_for, consultation):
    (proposal,) = publish(consultation, 1)
    readers = [client_for(factories.citizen()), client_for(factories.citizen())]

    for _ in range(2):  # the second time each control comes from what was kept
        for client in readers:
            shown = card(client.get(consultation.url), proposal)
            (token,) = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown)
            assert _unmask_cipher_token(token) == client.cookies[settings.CSRF_COOKIE_NAME].value


def test_a_title_cannot_ask_for_the_readers_csrf_token(client_for, consultation, citizen):
    # A kept control's token goes where a placeholder stands: a title written like a placeholder (the fixed
    # one of the first form of this code) must stay as written, and the token appear in the form alone.
    (proposal,) = publish(consultation, 1)
    Proposal.objects.filter(pk=proposal.pk).update(title="csrf-token-of-this-reader csrf-0123456789abcdef")
    client = client_for(citizen)

    for _ in range(2):  # the second time the control comes from what was kept
        shown = card(client.get(consultation.url), proposal)
        (token,) = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown)
        assert shown.count(token) == 1
        assert "csrf-token-of-this-reader csrf-0123456789abcdef" in shown


def test_a_kept_support_control_follows_the_readers_support(client_for, consultation, citizen):
    (proposal,) = publish(consultation, 1)
    client = client_for(citizen)
    withdraw = f'action="/proposals/{proposal.pk}/support/withdraw/"'
    assert withdraw not in card(client.get(consultation.url), proposal)

    Support.objects.create(proposal=proposal, user=citizen)
    assert withdraw in card(client.get(consultation.url), proposal)

    Support.objects.filter(proposal=proposal, user=citizen).delete()
    assert withdraw not in card(client.get(consultation.url), proposal)


def test_a_kept_card_shows_what_changed_since(client_for, consultation, citizen):
    (proposal,) = publish(consultation, 1)
    client = client_for(citizen)
    assert "Idea 1" in card(client.get(consultation.url), proposal)

    Proposal.objects.filter(pk=proposal.pk).update(
        title="Idea one, reworded", supports_count=4321, supports_version=7, status="accepted"
    )

    shown = card(client.get(consultation.url), proposal)
    assert "Idea one, reworded" in shown and "4321" in shown and 'data-version="7"' in shown
    assert "badge--accepted" in shown


def test_a_kept_card_is_in_the_language_of_each_reader(client_for, consultation, citizen):
    (proposal,) = publish(consultation, 1)
    english = card(client_for(citizen).get(consultation.url), proposal)
    french_client = client_for(citizen)
    french_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    french = card(french_client.get(consultation.url), proposal)

    assert "supports" in english and "soutiens" in french
    again = card(client_for(citizen).get(consultation.url), proposal)
    assert "supports" in again and "soutiens" not in again


# The comment boxes of a proposal's thread, kept for the readers who may only read, reply and report.


def box(response, comment) -> str:
    """The comment's own box, without its replies."""
    pattern = rf'<li class="comment[^"]*" id="comment-{comment.pk}".*?</article>'
    return part(response, pattern, f"box for comment {comment.pk}")


def kept_part(box_html: str) -> str:
    """A comment's box without the reader's own helpful form that follows what is kept."""
    return re.sub(r'<form[^>]*class="comment__helpful".*?</form>', "", box_html, flags=re.S)


def test_a_kept_comment_box_shows_what_changed_since(client_for, consultation):
    (proposal,) = publish(consultation, 1)
    author = factories.citizen(display_name="Ana")
    edited = services.comment_post(author=author, proposal=proposal, body="Save the form halfway.")
    hidden = services.comment_post(author=factories.citizen(), proposal=proposal, body="Rude words here.")
    # With a reply, a hidden comment stays in the thread as a placeholder.
    services.comment_post(author=factories.citizen(), proposal=proposal, body="I disagree.", parent=hidden)
    services.comment_edit(actor=author, comment=edited, body="Save the form halfway, please.")
    reader = client_for(factories.citizen())
    first = reader.get(proposal.get_absolute_url())
    assert "Save the form halfway, please." in box(first, edited) and "Ana" in box(first, edited)
    assert "Rude words here." in box(first, hidden)

    services.comment_edit(actor=author, comment=edited, body="Save the form at every step.")
    services.comment_moderate(actor=factories.moderator(), comment=hidden, action="hide", reason="Rude.")

    again = reader.get(proposal.get_absolute_url())
    shown = box(again, edited)
    assert "Save the form at every step." in shown and "halfway" not in shown
    assert 'data-role="edited">' in shown  # "(edited)", not hidden
    assert "Rude words here." not in again.content.decode()
    assert "This comment was hidden by moderation." in box(again, hidden)
    type(author).objects.filter(pk=author.pk).update(display_name="Ana B.")
    assert "Ana B." in box(reader.get(proposal.get_absolute_url()), edited)


def test_a_kept_comment_box_never_carries_another_readers_controls(client_for, consultation):
    (proposal,) = publish(consultation, 1)
    ana, ben, cleo = factories.citizen(), factories.citizen(), factories.citizen()
    comment = services.comment_post(author=ana, proposal=proposal, body="Save the form halfway.")
    services.flag_create(reporter=cleo, comment=comment, reason="spam")
    url = proposal.get_absolute_url()
    edit, delete = f"/comments/{comment.pk}/edit/", f"/comments/{comment.pk}/delete/"
    moderate, report = f"/comments/{comment.pk}/moderate/", f"report={comment.pk}"

    # Each in turn, twice: the second time the readers' box comes from what was kept.
    for _ in range(2):
        ana_box = box(client_for(ana).get(url), comment)
        ben_box = box(client_for(ben).get(url), comment)
        moderator_box = box(client_for(factories.moderator()).get(url), comment)
        cleo_box = box(client_for(cleo).get(url), comment)
        visitor_box = box(client_for().get(url), comment)

        assert edit in ana_box and delete in ana_box and "csrfmiddlewaretoken" in ana_box
        assert moderate in moderator_box and "csrfmiddlewaretoken" in moderator_box
        assert "You reported this" in cleo_box
        # The helpful button comes after the kept box and is each reader's own (helpful.html).
        assert f"/comments/{comment.pk}/helpful/" in ben_box
        assert f"/comments/{comment.pk}/helpful/" not in visitor_box
        for other in (kept_part(ben_box), visitor_box):
            assert edit not in other and delete not in other and moderate not in other
            assert "csrfmiddlewaretoken" not in other and "You reported this" not in other
            assert report in other and "Save the form halfway." in other
        assert "Reply" in ben_box and "Reply" not in visitor_box


def test_a_kept_comment_box_is_in_the_language_of_each_reader(client_for, consultation, citizen):
    (proposal,) = publish(consultation, 1)
    comment = factories.a_comment(proposal)
    url = proposal.get_absolute_url()
    english = box(client_for(citizen).get(url), comment)
    french_client = client_for(citizen)
    french_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    french = box(french_client.get(url), comment)

    assert "Reply" in english and "Répondre" in french
    again = box(client_for(citizen).get(url), comment)
    assert "Reply" in again and "Répondre" not in again
