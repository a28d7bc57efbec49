"""The moderation queue in the Wagtail admin: pending and reported proposals and comments in one list, oldest
first, with their reports; its actions, for each role both ways; and the full trail on a proposal's page."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms.backoffice import views as backoffice_views
from cms.models import ModerationMode
from proposals.models import AuditEntry, Comment, Flag, Proposal, Visibility
from proposals.services import comment_edit, comment_moderate, comment_post
from tests.support import factories
from tests.support.broadcasts import broadcast_events as sent
from tests.support.factories import a_comment, admin_only_user, aged, reported

pytestmark = pytest.mark.django_db

INDEX = reverse("cms_proposals:index")
LOGIN = reverse("wagtailadmin_login")


def queue(client) -> list[tuple[str, int]]:
    response = client.get(INDEX)
    assert response.status_code == 200
    return [(entry.kind, entry.item.pk) for entry in response.context["items"]]


def moderate_url(item) -> str:
    if isinstance(item, Comment):
        return reverse("cms_proposals:comment_moderate", args=[item.pk])
    return reverse("cms_proposals:moderate", args=[item.pk])


def dismiss_url(item) -> str:
    if isinstance(item, Comment):
        return reverse("cms_proposals:comment_dismiss_flags", args=[item.pk])
    return reverse("cms_proposals:dismiss_flags", args=[item.pk])


@pytest.fixture
def moderator_client(client_as, moderator):
    return client_as(moderator)


# Contents and order ---------------------------------------------------------------------------------------


def test_one_queue_of_proposals_and_comments_oldest_first(moderator_client, consultation):
    pending = aged(factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING), 5)
    flagged = factories.ProposalFactory(consultation=consultation)
    reported(flagged, "spam", age=9)
    reported(flagged, "abuse", age=1)  # the oldest open report counts
    comment = a_comment(flagged)
    reported(comment, "abuse", age=7)
    pending_comment = aged(a_comment(flagged, visibility=Visibility.PENDING), 3)
    # Pending and reported: since its submission, the earlier of the two.
    both = aged(factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING), 8)
    Proposal.objects.filter(pk=both.pk).update(visibility=Visibility.PUBLISHED)
    reported(both, "spam", age=2)
    Proposal.objects.filter(pk=both.pk).update(visibility=Visibility.PENDING)

    assert queue(moderator_client) == [
        ("proposal", flagged.pk),
        ("proposal", both.pk),
        ("comment", comment.pk),
        ("proposal", pending.pk),
        ("comment", pending_comment.pk),
    ]


def test_what_stays_out_of_the_queue(moderator_client, consultation):
    published = factories.ProposalFactory(consultation=consultation)
    factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN)
    a_comment(published)
    a_comment(published, visibility=Visibility.HIDDEN)
    deleted = a_comment(published, visibility=Visibility.PENDING, deleted_at=timezone.now())
    Flag.objects.create(reporter=factories.citizen(), comment=deleted, reason="spam")
    resolved = factories.ProposalFactory(consultation=consultation)
    Flag.objects.create(
        reporter=factories.citizen(), proposal=resolved, reason="spam", resolved_at=timezone.now()
    )

    assert queue(moderator_client) == []
    assert "Nothing waits for moderation." in moderator_client.get(INDEX).content.decode()


def test_each_row_shows_the_item_its_author_consultation_and_reports(moderator_client, consultation):
    author = factories.citizen(display_name="Awa")
    proposal = factories.ProposalFactory(
        consultation=consultation, author=author, title="<script>alert(1)</script>", summary="<b>Summary</b>"
    )
    reported(proposal, "spam", "spam", "abuse", details="<img src=x onerror=alert(2)>")
    comment = a_comment(proposal, body="<script>alert(3)</script>\nSecond line.")
    reported(comment, "personal_data")

    html = moderator_client.get(INDEX).content.decode()

    assert "<script>alert(" not in html and "<img src=x" not in html and "<b>Summary</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;Summary&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;<br>Second line." in html
    assert "“&lt;img src=x onerror=alert(2)&gt;”" in html
    assert "3 open reports" in html and "1 open report" in html
    assert "Spam or advertising (2)" in html and "Abusive, hateful or threatening (1)" in html
    assert "Reveals personal information (1)" in html
    assert f"Awa ({author.email})" in html
    assert html.count(consultation.title) >= 2
    assert "Moderation queue (2 items)" in html


def test_the_buttons_fit_each_state(moderator_client, consultation):
    pending = factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING)
    flagged = factories.ProposalFactory(consultation=consultation)
    reported(flagged, "spam")
    html = moderator_client.get(INDEX).content.decode()
    rows = {
        item.pk: html[html.index(f'id="queue-proposal-{item.pk}"') :].split("</tr>")[0]
        for item in (pending, flagged)
    }
    assert 'value="approve"' in rows[pending.pk] and 'value="hide"' in rows[pending.pk]
    assert dismiss_url(pending) not in rows[pending.pk]
    assert 'value="approve"' not in rows[flagged.pk] and 'value="hide"' in rows[flagged.pk]
    assert f'formaction="{dismiss_url(flagged)}"' in rows[flagged.pk]
    assert f'<label for="reason-proposal-{flagged.pk}">' in rows[flagged.pk]


def test_the_queue_is_paginated_in_order(moderator_client, consultation, monkeypatch):
    monkeypatch.setattr(backoffice_views, "PAGE_SIZE", 2)
    items = [
        aged(factories.ProposalFactory(consultation=consultation, visibility="pending"), 10 - i)
        for i in range(3)
    ]
    comment = aged(a_comment(items[0], visibility=Visibility.PENDING), 1)
    second = moderator_client.get(INDEX, {"p": 2})
    assert [(e.kind, e.item.pk) for e in second.context["items"]] == [
        ("proposal", items[2].pk),
        ("comment", comment.pk),
    ]
    assert "Page 2 of 2" in second.content.decode()


# Actions --------------------------------------------------------------------------------------------------


def test_approving_a_pending_proposal_resolves_its_reports_and_leaves_the_queue(
    moderator_client, consultation
):
    proposal = factories.ProposalFactory(consultation=consultation, visibility=Visibility.PENDING)
    Flag.objects.create(reporter=factories.citizen(), proposal=proposal, reason="off_topic")
    response = moderator_client.post(moderate_url(proposal), {"action": "approve", "next": INDEX})
    assert response.status_code == 302 and response["Location"] == INDEX
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PUBLISHED
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    assert queue(moderator_client) == []


def test_hiding_a_reported_proposal_from_the_queue(moderator_client, moderator, consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    reported(proposal, "abuse", "abuse")
    moderator_client.post(moderate_url(proposal), {"action": "hide", "reason": "Threats.", "next": INDEX})
    proposal.refresh_from_db()
    assert (proposal.visibility, proposal.moderation_reason) == (Visibility.HIDDEN, "Threats.")
    assert Flag.objects.filter(resolved_at__isnull=False).count() == 2
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.reason) == ("hidden", moderator, "Threats.")
    assert queue(moderator_client) == []


def test_dismissing_a_proposals_reports_changes_nothing_else(moderator_client, moderator, consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    reported(proposal, "spam")
    response = moderator_client.post(
        dismiss_url(proposal), {"reason": "An honest idea.", "next": INDEX}, follow=True
    )
    assert "are dismissed" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.visibility == Visibility.PUBLISHED and proposal.moderation_reason == ""
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.reason, entry.comment) == (
        "flags_dismissed",
        moderator,
        "An honest idea.",
        None,
    )
    assert queue(moderator_client) == []


def test_dismissing_without_open_reports_is_a_form_error(moderator_client, consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    response = moderator_client.post(dismiss_url(proposal), {"reason": ""})
    assert response.status_code == 200
    assert "There are no open reports to dismiss." in response.context["dismiss_form"].non_field_errors()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("role", ["moderator", "official"])
def test_hiding_and_restoring_a_reported_comment(client_as, consultation, role):
    user = getattr(factories, role)()
    client = client_as(user)
    comment = a_comment(factories.ProposalFactory(consultation=consultation))
    reported(comment, "abuse")

    response = client.post(
        moderate_url(comment), {"action": "hide", "reason": "Insults.", "next": INDEX}, follow=True
    )

    assert response.redirect_chain[-1][0] == INDEX
    assert "The comment is hidden; its author sees the reason." in response.content.decode()
    comment.refresh_from_db()
    assert (comment.visibility, comment.moderation_reason) == (Visibility.HIDDEN, "Insults.")
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    assert queue(client) == []

    client.post(moderate_url(comment), {"action": "restore"})
    comment.refresh_from_db()
    assert comment.visibility == Visibility.PUBLISHED
    assert list(AuditEntry.objects.trail().values_list("action", "comment_id", "actor_id")) == [
        ("hidden", comment.pk, user.pk),
        ("restored", comment.pk, user.pk),
    ]


def test_approving_a_pending_comment(moderator_client, consultation):
    comment = a_comment(factories.ProposalFactory(consultation=consultation), visibility=Visibility.PENDING)
    assert queue(moderator_client) == [("comment", comment.pk)]
    moderator_client.post(moderate_url(comment), {"action": "approve"})
    comment.refresh_from_db()
    assert comment.visibility == Visibility.PUBLISHED and queue(moderator_client) == []


def test_an_authors_edit_waits_in_the_queue_to_be_approved_or_rejected(moderator_client, moderator):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    comment = comment_post(author=factories.citizen(), proposal=proposal, body="Approved words.")
    comment_moderate(actor=moderator, comment=comment, action="approve")
    comment_edit(actor=comment.author, comment=comment, body="Rude words.")
    response = moderator_client.get(INDEX)
    assert queue(moderator_client) == [("comment", comment.pk)]
    html = response.content.decode()
    assert "Approved words." in html and "Rude words." in html and "Reject the edit" in html
    # The reason box says what it is for here: rejecting the edit needs one too.
    assert "Required to hide or to reject the edit, and then shown to the author." in html

    response = moderator_client.post(
        moderate_url(comment), {"action": "reject_edit", "reason": "Insults.", "next": INDEX}, follow=True
    )
    assert "The edit is rejected; its author sees the reason." in response.content.decode()
    comment.refresh_from_db()
    assert (comment.body, comment.has_pending_edit, comment.edit_rejection_reason) == (
        "Approved words.",
        False,
        "Insults.",
    )
    assert queue(moderator_client) == []
    comment_edit(actor=comment.author, comment=comment, body="Kind words.")
    moderator_client.post(moderate_url(comment), {"action": "approve"})
    comment.refresh_from_db()
    assert (comment.body, queue(moderator_client)) == ("Kind words.", [])
    assert list(AuditEntry.objects.trail().filter(comment=comment).values_list("action", flat=True)) == [
        "approved",
        "edit_rejected",
        "edit_approved",
    ]


@pytest.mark.parametrize(
    "data", [{"action": "hide", "reason": ""}, {"action": "delete"}, {}], ids=["no reason", "unknown", "none"]
)
def test_a_refused_comment_action_is_a_message_and_writes_nothing(moderator_client, consultation, data):
    comment = a_comment(factories.ProposalFactory(consultation=consultation))
    reported(comment, "spam")
    response = moderator_client.post(moderate_url(comment), {**data, "next": INDEX}, follow=True)
    assert response.redirect_chain[-1][0] == INDEX
    assert "The comment was not changed:" in response.content.decode()
    comment.refresh_from_db()
    assert comment.visibility == Visibility.PUBLISHED
    assert Flag.objects.filter(resolved_at__isnull=True).count() == 1 and not AuditEntry.objects.exists()


def test_dismissing_a_comments_reports(moderator_client, moderator, consultation):
    comment = a_comment(factories.ProposalFactory(consultation=consultation))
    reported(comment, "spam", "off_topic")
    moderator_client.post(dismiss_url(comment), {"reason": ""})
    comment.refresh_from_db()
    assert comment.visibility == Visibility.PUBLISHED
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.comment, entry.proposal, entry.actor) == (
        "flags_dismissed",
        comment,
        comment.proposal,
        moderator,
    )
    assert queue(moderator_client) == []


def test_unknown_comment_is_404(moderator_client):
    assert moderator_client.post(reverse("cms_proposals:comment_moderate", args=[987654])).status_code == 404
    assert (
        moderator_client.post(reverse("cms_proposals:comment_dismiss_flags", args=[987654])).status_code
        == 404
    )


# Who may ---------------------------------------------------------------------------------------------------


@pytest.fixture
def targets(consultation):
    proposal = factories.ProposalFactory(consultation=consultation)
    comment = a_comment(proposal)
    reported(proposal, "spam")
    reported(comment, "spam")
    return proposal, comment


def action_urls(targets) -> list[str]:
    proposal, comment = targets
    return [dismiss_url(proposal), moderate_url(comment), dismiss_url(comment)]


def nothing_written() -> bool:
    return not AuditEntry.objects.exists() and Flag.objects.filter(resolved_at__isnull=True).count() == 2


def test_anonymous_and_citizens_are_sent_to_log_in(client_as, targets):
    for user in (None, factories.citizen()):
        client = client_as(user)
        assert client.get(INDEX)["Location"].startswith(LOGIN)
        for url in action_urls(targets):
            response = client.post(url, {"action": "hide", "reason": "x"})
            assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert nothing_written()


def test_admin_users_without_a_role_get_403(client_as, targets):
    client = client_as(admin_only_user())
    assert client.get(INDEX).status_code == 403
    for url in action_urls(targets):
        assert client.post(url, {"action": "hide", "reason": "x"}).status_code == 403
    assert nothing_written()


@pytest.mark.parametrize("role", ["moderator", "official"])
def test_moderators_and_officials_see_the_queue(client_as, targets, role):
    proposal, comment = targets
    assert sorted(queue(client_as(getattr(factories, role)()))) == [
        ("comment", comment.pk),
        ("proposal", proposal.pk),
    ]


def test_actions_are_post_only(moderator_client, targets):
    for url in action_urls(targets):
        assert moderator_client.get(url).status_code == 405


def test_csrf_is_enforced(moderator, targets):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    for url in action_urls(targets):
        assert client.post(url, {"action": "hide", "reason": "x"}).status_code == 403
    assert nothing_written()


def test_next_must_be_on_this_site(moderator_client, targets):
    _proposal, comment = targets
    response = moderator_client.post(dismiss_url(comment), {"next": "https://evil.example/"})
    assert response["Location"] == INDEX


# The proposal's page in the admin ---------------------------------------------------------------------------


def test_the_proposal_page_lists_open_reports_and_the_full_trail(client_as, consultation):
    moderator = factories.moderator(first_name="Sam", last_name="Keeper")
    official = factories.official(first_name="Claire", last_name="Martin")
    proposal = factories.ProposalFactory(consultation=consultation)
    comment = a_comment(proposal, body="Rude <b>words</b>")
    client = client_as(moderator)
    client.post(moderate_url(comment), {"action": "hide", "reason": "Insults."})
    client.post(moderate_url(proposal), {"action": "hide", "reason": "Names <i>a</i> person."})
    client.post(moderate_url(proposal), {"action": "restore"})
    client_as(official).post(
        reverse("cms_proposals:status", args=[proposal.pk]), {"status": "under_review", "note": "Costing."}
    )
    reported(proposal, "personal_data", details="My address")

    html = client.get(reverse("cms_proposals:detail", args=[proposal.pk])).content.decode()

    assert "1 open report" in html and "Reveals personal information — “My address”" in html
    assert f'action="{dismiss_url(proposal)}"' in html and 'value="restore"' not in html
    trail = html[html.index('id="trail-heading"') :]
    rows = trail.split("<tr>")[2:]
    assert len(rows) == 4
    assert "Hidden by moderation: Published → Hidden by moderation" in rows[0]
    assert "On a comment: “Rude &lt;b&gt;words&lt;/b&gt;”" in rows[0] and "Insults." in rows[0]
    assert "Sam Keeper (Moderator)" in rows[1] and "Names &lt;i&gt;a&lt;/i&gt; person." in rows[1]
    assert "Restored by moderation" in rows[2]
    assert "Claire Martin (Official)" in rows[3] and "Costing." in rows[3] and "Public" in rows[3]


def test_a_hidden_proposal_offers_restore(client_as, moderator, consultation):
    proposal = factories.ProposalFactory(consultation=consultation, visibility=Visibility.HIDDEN)
    html = client_as(moderator).get(reverse("cms_proposals:detail", args=[proposal.pk])).content.decode()
    assert 'value="restore"' in html and 'value="hide"' not in html and 'value="approve"' not in html


# Open pages hear of it -----------------------------------------------------------------------------------


def test_hiding_from_the_queue_removes_the_item_from_open_pages(
    moderator_client, consultation, django_capture_on_commit_callbacks
):
    proposal = factories.ProposalFactory(consultation=consultation)
    comment = a_comment(factories.ProposalFactory(consultation=consultation))
    reported(proposal, "abuse")
    reported(comment, "abuse")

    with django_capture_on_commit_callbacks() as callbacks:
        moderator_client.post(moderate_url(proposal), {"action": "hide", "reason": "Threats."})
        moderator_client.post(moderate_url(comment), {"action": "hide", "reason": "Insults."})

    events = sent(callbacks)
    assert {"type": "proposal.hidden", "proposal": proposal.pk} in events
    assert any(e["type"] == "comment.removed" and e["comment"] == comment.pk for e in events)


def test_dismissing_reports_announces_nothing(
    moderator_client, consultation, django_capture_on_commit_callbacks
):
    proposal = factories.ProposalFactory(consultation=consultation)
    reported(proposal, "spam")
    with django_capture_on_commit_callbacks() as callbacks:
        moderator_client.post(dismiss_url(proposal), {})
    assert sent(callbacks) == []
