"""The follow form, the notifications page and its header count, the e-mail setting, the unsubscribe pages,
and the language remembered for e-mails."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from proposals import notifications
from proposals.models import Follow, Notification, Visibility
from proposals.services import proposal_set_status
from tests.support import factories
from tests.support.pages import visible_text
from votes.merging import proposals_merge

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(consultation):
    return factories.ProposalFactory(consultation=consultation, title="Pay within two weeks")


def following(user, proposal) -> bool:
    return Follow.objects.filter(user=user, proposal=proposal).exists()


def notify(user, proposal, status="under_review"):
    Follow.objects.get_or_create(user=user, proposal=proposal)
    proposal_set_status(actor=factories.official(), proposal=proposal, status=status)


def token_for(user, proposal) -> str:
    return notifications.unsubscribe_token(user_id=user.pk, proposal_id=proposal.pk)


# Follow form


def test_follow_then_stop_without_javascript(client_for, citizen, proposal):
    client = client_for(citizen)
    page = visible_text(client.get(proposal.get_absolute_url()))
    assert "Follow “Pay within two weeks”" in page
    assert "withdrawing a support does not stop following it" in page

    response = client.post(reverse("proposal_follow", args=[proposal.pk]), follow=True)

    assert response.redirect_chain == [(proposal.get_absolute_url(), 302)]
    assert following(citizen, proposal)
    text = visible_text(response)
    assert "You follow “Pay within two weeks”" in text
    assert "Following Stop following “Pay within two weeks”" in text

    response = client.post(reverse("proposal_unfollow", args=[proposal.pk]), follow=True)
    assert not following(citizen, proposal)
    assert "You no longer follow “Pay within two weeks”." in visible_text(response)


def test_the_follow_form_of_a_page_open_since_a_merge_follows_the_proposal_it_went_into(
    client_for, citizen, proposal, consultation
):
    duplicate = factories.ProposalFactory(consultation=consultation, title="Pay faster")
    client = client_for(citizen)
    client.get(duplicate.get_absolute_url())
    proposals_merge(actor=factories.official(), target=proposal, sources=[duplicate.pk], reason="The same.")

    response = client.post(reverse("proposal_follow", args=[duplicate.pk]), follow=True)

    assert response.redirect_chain == [(proposal.get_absolute_url(), 302)]
    assert following(citizen, proposal) and not following(citizen, duplicate)
    assert "You follow “Pay within two weeks”" in visible_text(response)


def test_an_unverified_citizen_may_follow(client_for, unverified, proposal):
    client_for(unverified).post(reverse("proposal_follow", args=[proposal.pk]))
    assert following(unverified, proposal)


def test_anonymous_visitors_are_sent_to_sign_in(client, proposal):
    page = visible_text(client.get(proposal.get_absolute_url()))
    assert "Follow “Pay within two weeks”" in page

    response = client.post(reverse("proposal_follow", args=[proposal.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Follow.objects.exists()


def test_a_hidden_proposal_cannot_be_followed_by_others(client_for, citizen, consultation):
    hidden = factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN)
    response = client_for(citizen).post(reverse("proposal_follow", args=[hidden.pk]))
    assert response.status_code == 404
    assert not Follow.objects.exists()


def test_following_needs_a_post(client_for, citizen, proposal):
    assert client_for(citizen).get(reverse("proposal_follow", args=[proposal.pk])).status_code == 405
    assert not Follow.objects.exists()


# The notifications page and the header


def test_the_list_shows_unread_notifications_and_marks_them_read_on_request(client_for, citizen, proposal):
    notify(citizen, proposal)
    client = client_for(citizen)

    response = client.get(reverse("notifications"))

    text = visible_text(response)
    assert "Notifications (1 unread)" in text
    assert "New The status of “Pay within two weeks” changed to “Under review”." in text
    assert f'href="{proposal.get_absolute_url()}"' in response.content.decode()
    assert Notification.objects.get(recipient=citizen).read_at is None  # opening marks nothing

    response = client.post(reverse("notifications_read"), follow=True)

    text = visible_text(response)
    assert "All your notifications are marked as read." in text
    assert "New The status" not in text
    assert "Notifications (" not in text
    assert Notification.objects.get(recipient=citizen).read_at is not None


def test_others_see_none_of_them(client_for, citizen, proposal):
    notify(citizen, proposal)
    other = factories.citizen()

    text = visible_text(client_for(other).get(reverse("notifications")))
    assert "Pay within two weeks" not in text
    assert "No notifications yet." in text

    client_for(other).post(reverse("notifications_read"))
    assert Notification.objects.get(recipient=citizen).read_at is None


def test_the_list_needs_signing_in(client):
    response = client.get(reverse("notifications"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.post(reverse("notifications_read")).status_code == 302


def test_visitors_have_no_notifications_link(client, proposal):
    assert "Notifications" not in visible_text(client.get(proposal.get_absolute_url()))


def test_notification_text_is_escaped(client_for, citizen, consultation):
    proposal = factories.ProposalFactory(consultation=consultation, title="<script>alert(1)</script>")
    notify(citizen, proposal)
    html = client_for(citizen).get(reverse("notifications")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# The e-mail setting


def test_the_account_page_turns_e_mails_off_and_on(client_for, citizen):
    client = client_for(citizen)
    page = client.get(reverse("account")).content.decode()
    assert 'name="email_notifications" aria-describedby="email-notifications-help" checked' in page
    kinds = dict.fromkeys(("status", "response", "threshold", "milestone", "comments"), "instant")

    response = client.post(reverse("account_notifications"), kinds, follow=True)
    citizen.refresh_from_db()
    assert citizen.email_notifications is False
    said = visible_text(response)
    assert "You will receive no e-mails about proposals. E-mails about your account still come." in said

    client.post(reverse("account_notifications"), {**kinds, "email_notifications": "on"})
    citizen.refresh_from_db()
    assert citizen.email_notifications is True


# Unsubscribing from an e-mail, signed in or not


def test_the_unsubscribe_page_changes_nothing_on_get(client, citizen, proposal):
    Follow.objects.create(user=citizen, proposal=proposal)
    response = client.get(reverse("unsubscribe", args=[token_for(citizen, proposal)]))

    assert response.status_code == 200
    text = visible_text(response)
    assert "Stop all e-mails about proposals" in text
    assert "Stop following “Pay within two weeks” only" in text
    citizen.refresh_from_db()
    assert citizen.email_notifications is True
    assert following(citizen, proposal)


def test_the_unsubscribe_page_says_in_french_what_stopping_all_stops(citizen, proposal):
    french = Client(headers={"accept-language": "fr"})
    url = reverse("unsubscribe", args=[token_for(citizen, proposal)])
    assert "Ne plus recevoir aucun e-mail sur les propositions" in visible_text(french.get(url))
    said = visible_text(french.post(url, {"action": "all"}))
    assert "ni sur les commentaires des vôtres, ni sur vos soutiens" in said
    assert "Les e-mails sur votre compte (votre mot de passe, la connexion) continuent d’arriver." in said


def test_stop_all_e_mails_without_signing_in(client, citizen, proposal):
    Follow.objects.create(user=citizen, proposal=proposal)
    response = client.post(reverse("unsubscribe", args=[token_for(citizen, proposal)]), {"action": "all"})

    # What the switch stops, all of it: the person who got a comment notice or a notice about their
    # support, not only a follower, must know that it stops those too.
    said = visible_text(response)
    assert "no more e-mails about proposals, neither those you follow, nor comments on yours," in said
    assert "nor news of your supports. E-mails about your account" in said
    citizen.refresh_from_db()
    assert citizen.email_notifications is False
    assert following(citizen, proposal)  # still followed: the in-site list goes on


def test_stop_following_just_that_proposal(client, citizen, proposal, consultation):
    other = factories.ProposalFactory(consultation=consultation)
    Follow.objects.create(user=citizen, proposal=proposal)
    Follow.objects.create(user=citizen, proposal=other)

    client.post(reverse("unsubscribe", args=[token_for(citizen, proposal)]), {"action": "unfollow"})

    citizen.refresh_from_db()
    assert citizen.email_notifications is True
    assert not following(citizen, proposal)
    assert following(citizen, other)


def test_the_unsubscribe_form_keeps_csrf(citizen, proposal):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("unsubscribe", args=[token_for(citizen, proposal)]), {"action": "all"})
    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.email_notifications is True


def test_one_click_unsubscribe_needs_no_session_nor_csrf(citizen, proposal):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = reverse("unsubscribe_one_click", args=[token_for(citizen, proposal)])

    assert client.get(url).status_code == 405  # a link scanner's GET does nothing
    citizen.refresh_from_db()
    assert citizen.email_notifications is True

    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    citizen.refresh_from_db()
    assert citizen.email_notifications is False


def test_the_one_click_header_of_a_real_e_mail_works(
    client, citizen, proposal, django_capture_on_commit_callbacks
):
    Follow.objects.create(user=citizen, proposal=proposal)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_set_status(actor=factories.official(), proposal=proposal, status="accepted")
    [message] = mail.outbox
    target = message.extra_headers["List-Unsubscribe"].strip("<>").removeprefix(settings.SITE_URL)

    assert client.post(target, {"List-Unsubscribe": "One-Click"}).status_code == 200
    citizen.refresh_from_db()
    assert citizen.email_notifications is False


@pytest.mark.parametrize("name", ["unsubscribe", "unsubscribe_one_click"])
def test_a_forged_token_does_nothing(client, citizen, proposal, name):
    token = token_for(citizen, proposal)
    forged = token.replace(
        token.split(":")[0],
        notifications.unsubscribe_token(user_id=citizen.pk + 1, proposal_id=None).split(":")[0],
    )
    response = client.post(reverse(name, args=[forged]), {"action": "all"})
    assert response.status_code == 404
    citizen.refresh_from_db()
    assert citizen.email_notifications is True


# The language e-mails are written in


def test_changing_the_language_is_remembered(client_for, citizen):
    client = client_for(citizen)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    client.get(reverse("account"))
    citizen.refresh_from_db()
    assert citizen.language == "fr"

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.get(reverse("account"))
    citizen.refresh_from_db()
    assert citizen.language == "en"


def test_signing_in_records_the_language(client):
    user = factories.citizen()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "fr"
