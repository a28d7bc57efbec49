"""Markup typed by anyone (a proposal, a comment, an official response and note, a moderator's reason, a
public name, an official's name and department, a category, a consultation's title) is shown as text on
every page that shows it: the site's pages and the officials' tools in the CMS. (The e-mails are plain
text; the live updates: tests/e2e/test_live_hostile_content.py.)"""

import pytest
from django.utils import timezone
from django.utils.html import escape

from cms.models import ConsultationCategory
from proposals import notifications
from proposals.models import Follow, Visibility
from proposals.services import proposal_set_status, response_publish
from tests.support import factories
from tests.support.factories import a_comment
from tests.support.security import signed_in

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
HOSTILE = f"Zanzibar {SCRIPT}{ATTRIBUTE}"
RAW = (b"<script>alert(1)</script>", b"<img src=x")


@pytest.fixture
def hostile():
    """Every field a person types, hostile, on one published proposal (and a pending twin for the queue)."""
    consultation = factories.consultation(categories=(), title=HOSTILE, slug="hostile")
    category = ConsultationCategory.objects.create(page=consultation, name=HOSTILE, slug="hostile")
    author = factories.citizen(display_name=HOSTILE)
    official = factories.official(first_name=HOSTILE, last_name="", department=HOSTILE)
    follower = factories.citizen()
    proposal = factories.ProposalFactory(
        consultation=consultation,
        category=category,
        author=author,
        title=HOSTILE,
        summary=HOSTILE,
        body=HOSTILE,
        # The petition promise is running: the officials' list of responses awaited shows it.
        response_due_at=timezone.now() + timezone.timedelta(days=3),
        threshold_reached_at=timezone.now(),
    )
    Follow.objects.create(user=follower, proposal=proposal)
    a_comment(proposal, author=author, body=HOSTILE)
    proposal_set_status(actor=official, proposal=proposal, status="under_review", note=HOSTILE)
    factories.ProposalFactory(
        consultation=consultation,
        author=author,
        title=HOSTILE,
        summary=HOSTILE,
        visibility=Visibility.PENDING,
    )
    return {"proposal": proposal, "author": author, "official": official, "follower": follower}


PAGES = {
    "consultation page": ("anonymous", lambda h: h["proposal"].consultation.url),
    "proposal page": ("anonymous", lambda h: h["proposal"].get_absolute_url()),
    "search results": ("anonymous", lambda h: "/search/?q=zanzibar"),
    "notifications": ("follower", lambda h: "/notifications/"),
    "unsubscribe page": (
        "follower",
        lambda h: "/unsubscribe/{}/".format(
            notifications.unsubscribe_token(user_id=h["follower"].pk, proposal_id=h["proposal"].pk)
        ),
    ),
    "account page": ("author", lambda h: "/account/"),
    "moderation queue": ("official", lambda h: "/cms/proposals/"),
    "proposal in the cms": ("official", lambda h: f"/cms/proposals/{h['proposal'].pk}/"),
    "responses awaited": ("official", lambda h: "/cms/promises/"),
    "dashboards": ("official", lambda h: "/cms/promises/dashboards/"),
    "dashboard": ("official", lambda h: f"/cms/promises/dashboards/{h['proposal'].consultation_id}/"),
    "consultation list": ("anonymous", lambda h: "/"),
}


@pytest.mark.parametrize("page", PAGES)
def test_markup_is_text(hostile, page):
    who, url = PAGES[page]
    viewer = None if who == "anonymous" else hostile[who]
    response = signed_in(viewer).get(url(hostile))
    html = response.content.decode()

    assert response.status_code == 200
    for raw in RAW:
        assert raw.decode() not in html, page
    assert escape(SCRIPT) in html, page  # shown, as text


def test_an_official_response_is_text(hostile):
    """The response's body and its author's name and department, on the proposal page."""
    proposal, official = hostile["proposal"], hostile["official"]
    response_publish(actor=official, proposal=proposal, body=f"Answer: {HOSTILE}", decision="accepted")
    html = signed_in(None).get(proposal.get_absolute_url()).content.decode()

    assert all(raw.decode() not in html for raw in RAW)
    assert escape(f"Answer: {HOSTILE}") in html


def test_a_moderators_reason_is_text_for_the_author(hostile):
    proposal = hostile["proposal"]
    proposal.visibility, proposal.moderation_reason = Visibility.HIDDEN, HOSTILE
    proposal.save()
    html = signed_in(hostile["author"]).get(proposal.get_absolute_url()).content.decode()

    assert all(raw.decode() not in html for raw in RAW)
    assert escape(HOSTILE) in html
