"""A blocked person's proposal page shows none of the forms their block refuses (403 `account_blocked`): no
Follow or Stop following, no edit or delete of their own comments, and for a blocked moderator no
moderation forms on the comments; where the Follow control would be, the panel says why. The same person
unblocked gets each control back."""

import re

import pytest
from django.urls import reverse

from proposals import notifications
from proposals.models import Visibility
from proposals.services.account_blocks import account_block, account_unblock
from tests.support import factories
from tests.support.factories import published_many as publish

pytestmark = pytest.mark.django_db

NOTE = 'data-role="account-blocked-note"'
EXPLANATION = "Your account is blocked: you can read but not take part."


def block(user):
    # An administrator: only they block an account with a role.
    account_block(actor=_admin(), user=user, reason="Abuse of the role.")


def unblock(user):
    account_unblock(actor=_admin(), user=user)


def _admin():
    return factories.citizen(is_superuser=True, is_staff=True)


def panel(html: str) -> str:
    found = re.search(r'<aside class="panel proposal__support".*?</aside>', html, flags=re.S)
    assert found
    return found[0]


def follow_urls(proposal) -> tuple[str, str]:
    return reverse("proposal_follow", args=[proposal.pk]), reverse("proposal_unfollow", args=[proposal.pk])


@pytest.mark.parametrize("open_now", [True, False], ids=["supports open", "supports closed"])
def test_a_blocked_citizen_gets_no_follow_control_and_the_panel_says_why_once(client_for, open_now):
    (proposal,) = publish(factories.consultation(open_now=open_now), 1)
    citizen = factories.citizen()
    client = client_for(citizen)
    follow, unfollow = follow_urls(proposal)

    assert f'action="{follow}"' in panel(client.get(proposal.get_absolute_url()).content.decode())

    block(citizen)
    shown = panel(client.get(proposal.get_absolute_url()).content.decode())

    assert "data-follow-form" not in shown and follow not in shown and unfollow not in shown
    # Said once in the panel, whether by the support control (open) or in the Follow control's place.
    assert shown.count(NOTE) == 1 and EXPLANATION in shown

    unblock(citizen)
    shown = panel(client.get(proposal.get_absolute_url()).content.decode())
    assert f'action="{follow}"' in shown and NOTE not in shown


def test_a_blocked_follower_gets_no_stop_following_either(client_for):
    (proposal,) = publish(factories.consultation(), 1)
    citizen = factories.citizen()
    notifications.follow_add(user=citizen, proposal=proposal)
    client = client_for(citizen)
    _follow, unfollow = follow_urls(proposal)
    block(citizen)

    shown = panel(client.get(proposal.get_absolute_url()).content.decode())
    assert unfollow not in shown and "Stop following" not in shown and NOTE in shown
    # The control would have answered 403 and changed nothing.
    assert client.post(unfollow).status_code == 403
    assert notifications.is_following(user=citizen, proposal=proposal)

    unblock(citizen)
    assert f'action="{unfollow}"' in panel(client.get(proposal.get_absolute_url()).content.decode())


def comment_forms(html: str, comment) -> str:
    found = re.search(rf'<li class="comment[^"]*" id="comment-{comment.pk}".*?</li>', html, flags=re.S)
    assert found
    return found[0]


def test_a_blocked_moderator_sees_no_moderation_form_on_the_comments(client_for):
    (proposal,) = publish(factories.consultation(), 1)
    published = factories.a_comment(proposal, body="Published.")
    pending = factories.a_comment(proposal, body="Waiting.", visibility=Visibility.PENDING)
    moderator = factories.moderator()
    client = client_for(moderator)
    moderate = [reverse("comment_moderate", args=[c.pk]) for c in (published, pending)]

    def shown() -> list[str]:
        html = client.get(proposal.get_absolute_url()).content.decode()
        return [comment_forms(html, c) for c in (published, pending)]

    for box, url in zip(shown(), moderate, strict=True):
        assert f'action="{url}"' in box
    block(moderator)
    for _ in range(2):  # the second time, whatever was kept of the first
        boxes = shown()
        for box, url in zip(boxes, moderate, strict=True):
            assert url not in box and 'name="action"' not in box
        # Still the moderator's reading: the comment waiting is shown, marked so.
        assert "Waiting." in boxes[1] and "Waiting for moderation" in boxes[1]
    assert client.post(moderate[1], {"action": "approve"}).status_code == 403

    unblock(moderator)
    for box, url in zip(shown(), moderate, strict=True):
        assert f'action="{url}"' in box


def test_a_blocked_author_sees_their_comment_without_edit_or_delete(client_for):
    (proposal,) = publish(factories.consultation(), 1)
    citizen = factories.citizen()
    comment = factories.a_comment(proposal, author=citizen, body="Mine.")
    client = client_for(citizen)
    edit, delete = reverse("comment_edit", args=[comment.pk]), reverse("comment_delete", args=[comment.pk])

    box = comment_forms(client.get(proposal.get_absolute_url()).content.decode(), comment)
    assert f'action="{edit}"' in box and f'action="{delete}"' in box

    block(citizen)
    box = comment_forms(client.get(proposal.get_absolute_url()).content.decode(), comment)
    assert "Mine." in box and edit not in box and delete not in box

    unblock(citizen)
    box = comment_forms(client.get(proposal.get_absolute_url()).content.decode(), comment)
    assert f'action="{edit}"' in box and f'action="{delete}"' in box
