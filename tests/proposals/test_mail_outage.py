"""The mail server is down while an official answers a proposal that many people follow: everyone sees the
notice in the site at once, nothing is given up however many runs of `send_notifications` find the server
away, and when a real SMTP server answers again each follower gets exactly one e-mail."""

import pytest

from proposals import notifications
from proposals.models import Follow, Notification
from proposals.services import response_publish
from tests.support import factories
from tests.support.mail import smtp_server
from tests.support.servers import free_port

pytestmark = pytest.mark.django_db

FOLLOWERS = 120


@pytest.fixture
def smtp_port(settings) -> int:
    """Django's SMTP transport, pointed at a port where nothing listens yet."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    return port


def test_a_response_to_many_followers_while_the_mail_server_is_down_loses_no_e_mail(
    smtp_port, consultation, tmp_path, django_capture_on_commit_callbacks
):
    proposal = factories.ProposalFactory(consultation=consultation, title="Pay within two weeks")
    followers = [factories.citizen() for _ in range(FOLLOWERS)]
    Follow.objects.bulk_create(Follow(user=person, proposal=proposal) for person in followers)

    with django_capture_on_commit_callbacks(execute=True):
        response_publish(actor=factories.official(), proposal=proposal, body="We will pay within 14 days.")

    assert all(notifications.unread_count(user=person) == 1 for person in followers)  # in the site at once
    for _run in range(notifications.MAX_ATTEMPTS + 2):
        report = notifications.notifications_send()
        assert (report.sent, report.server_away) == (0, True)
    unsent = Notification.objects.filter(emailed_at__isnull=True, email_wanted=True, email_attempts=0)
    assert unsent.count() == FOLLOWERS

    with smtp_server(smtp_port, tmp_path / "mail") as received:
        assert notifications.notifications_send().sent == FOLLOWERS
        assert notifications.notifications_send().sent == 0
        delivered = sorted(message["To"] for message in received)
    assert delivered == sorted(person.email for person in followers)  # each once
    assert not unsent.exists()
