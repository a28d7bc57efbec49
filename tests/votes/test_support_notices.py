"""The citizens whose supports an official set aside are told, in the site and by e-mail in their language,
with the reason and where to ask for a review; and told again of the decision on their request. Whatever
their choices per kind of notification; never when they turned every e-mail off."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from proposals import notifications
from proposals.models import AuditAction, Notification
from tests.support import factories
from votes.invalidations import support_reinstate, supports_invalidate
from votes.models import Support
from votes.reviews import support_review_decide, support_review_request
from votes.services import support_add

pytestmark = pytest.mark.django_db

SITE_URL = "https://participate.example.org"
REASON = "Accounts made by a script on one night."


@pytest.fixture
def proposal(consultation, settings):
    """A proposal on a site whose e-mails link to SITE_URL."""
    settings.SITE_URL = SITE_URL
    return factories.ProposalFactory(consultation=consultation, title="Pay within two weeks")


def supporter(proposal, email, **fields):
    citizen = factories.citizen(email=email, **fields)
    support_add(user=citizen, proposal=proposal)
    return citizen


def set_aside(official, proposal, domain="spam.example"):
    return supports_invalidate(actor=official, proposal=proposal, reason=REASON, domains=[domain])


def told(action=AuditAction.SUPPORTS_SET_ASIDE) -> set:
    return set(Notification.objects.filter(entry__action=action).values_list("recipient_id", flat=True))


def email_to(user):
    [message] = [m for m in mail.outbox if m.to == [user.email]]
    return message


def test_the_citizens_set_aside_are_told_in_the_site_and_by_e_mail_and_no_one_else(
    proposal, official, django_capture_on_commit_callbacks
):
    bots = [supporter(proposal, f"bot{i}@spam.example") for i in range(3)]
    honest = supporter(proposal, "ana@example.org")
    follower = factories.citizen(email="follows@example.org")
    notifications.follow_add(user=follower, proposal=proposal)

    with django_capture_on_commit_callbacks(execute=True):
        set_aside(official, proposal)

    assert told() == {bot.pk for bot in bots}
    assert {m.to[0] for m in mail.outbox} == {bot.email for bot in bots}
    message = email_to(bots[0])
    assert "Pay within two weeks" in message.subject and "set aside" in message.subject
    assert "no longer counts" in message.body and REASON in message.body
    assert f"{SITE_URL}{proposal.get_absolute_url()}" in message.body
    assert "ask for a review" in message.body
    [line] = [notifications.notification_text(n) for n in notifications.notification_list(user=bots[0])]
    assert "Pay within two weeks" in line and REASON in line and "review" in line
    assert not notifications.notification_list(user=honest).exists()
    assert notifications.unread_count(user=bots[1]) == 1


def test_sent_whatever_the_choices_per_kind_but_not_with_every_e_mail_turned_off(
    proposal, official, django_capture_on_commit_callbacks
):
    quiet = supporter(proposal, "quiet@spam.example", email_status="none", email_threshold="weekly")
    switched_off = supporter(proposal, "off@spam.example", email_notifications=False)

    with django_capture_on_commit_callbacks(execute=True):
        set_aside(official, proposal)

    assert told() == {quiet.pk, switched_off.pk}  # both in the site
    assert [m.to for m in mail.outbox] == [[quiet.email]]
    assert not Notification.objects.get(recipient=switched_off).email_wanted


def test_an_anonymised_support_makes_no_notice(proposal, official):
    gone = supporter(proposal, "gone@spam.example")
    Support.objects.filter(user=gone).update(user=None)
    supporter(proposal, "bot@spam.example")

    result = set_aside(official, proposal)

    assert result.invalidation.set_aside == 2
    assert Notification.objects.count() == 1


def queries_of_an_invalidation(official, consultation, citizens: int) -> int:
    proposal = factories.ProposalFactory(consultation=consultation)
    for i in range(citizens):
        supporter(proposal, f"bot{i}@{citizens}.example")
    with CaptureQueriesContext(connection) as queries:
        set_aside(official, proposal, domain=f"{citizens}.example")
    assert len(told()) >= citizens
    return len(queries)


def test_the_queries_of_an_invalidation_do_not_grow_with_the_citizens_told(official, consultation):
    queries_of_an_invalidation(official, consultation, 1)  # what the first one caches
    few = queries_of_an_invalidation(official, consultation, 2)
    assert queries_of_an_invalidation(official, consultation, 12) == few
    assert Notification.objects.count() == 15


def test_a_french_speaking_citizen_is_told_in_french(proposal, official, django_capture_on_commit_callbacks):
    french = supporter(proposal, "marie@spam.example", language="fr")

    with django_capture_on_commit_callbacks(execute=True):
        set_aside(official, proposal)

    message = email_to(french)
    assert "Votre soutien à «\u00a0Pay within two weeks\u00a0» a été écarté" in message.subject
    assert "ne compte plus" in message.body and REASON in message.body
    assert "demander un réexamen" in message.body
    with translation.override("fr"):
        line = notifications.notification_text(Notification.objects.get(recipient=french))
    assert "ne compte plus" in line


def decide_a_review(official, proposal, citizen, capture, **decision):
    """The citizen's support set aside, their request for a review, then the official's decision: only
    the e-mails of the decision are left in the outbox."""
    set_aside(official, proposal)
    review = support_review_request(user=citizen, proposal_id=proposal.pk, message="I am real.")
    mail.outbox.clear()
    with capture(execute=True):
        support_review_decide(actor=official, review_id=review.pk, **decision)


def test_counted_again_after_a_review_the_citizen_is_told_with_the_reply(
    proposal, official, django_capture_on_commit_callbacks
):
    citizen = supporter(proposal, "ben@spam.example")

    decide_a_review(
        official, proposal, citizen, django_capture_on_commit_callbacks, decision="reinstated", reply="Sorry."
    )

    assert told(AuditAction.SUPPORT_REINSTATED) == {citizen.pk}
    message = email_to(citizen)
    assert "counts again" in message.subject and "Sorry." in message.body
    notice = Notification.objects.get(recipient=citizen, entry__action=AuditAction.SUPPORT_REINSTATED)
    assert "counts again" in notifications.notification_text(notice)


def test_an_anonymised_support_counted_again_tells_no_one(proposal, official):
    gone = supporter(proposal, "gone@spam.example")
    set_aside(official, proposal)
    Support.objects.filter(user=gone).update(user=None)

    support_reinstate(actor=official, support=Support.objects.get(proposal=proposal), reason="Fine.")

    assert not told(AuditAction.SUPPORT_REINSTATED)


def test_kept_set_aside_after_a_review_the_citizen_alone_is_told_with_the_reply(
    proposal, official, django_capture_on_commit_callbacks
):
    citizen = supporter(proposal, "ben@spam.example", language="fr")
    supporter(proposal, "ana@example.org")

    decide_a_review(
        official,
        proposal,
        citizen,
        django_capture_on_commit_callbacks,
        decision="upheld",
        reply="Same address as 40.",
    )

    assert told(AuditAction.SUPPORT_KEPT_ASIDE) == {citizen.pk}
    [message] = mail.outbox
    assert message.to == [citizen.email] and "reste écarté" in message.subject
    assert "Same address as 40." in message.body
    entry = proposal.audit_entries.get(action=AuditAction.SUPPORT_KEPT_ASIDE)
    assert (entry.public, entry.actor, entry.reason) == (False, official, "Same address as 40.")
    with translation.override("fr"):
        line = notifications.notification_text(Notification.objects.get(entry=entry))
    assert "reste écarté" in line and "Same address as 40." in line
