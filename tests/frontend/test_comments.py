"""The comments on a proposal's page, for each viewer, and their forms without JavaScript: post, reply, edit,
delete and moderate, each coming back to the comment's anchor, with errors on the form that failed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from cms.models import ModerationMode
from proposals.models import AuditEntry, Comment, Proposal, Visibility
from proposals.services import comment_delete, comment_moderate, comment_post
from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    return factories.ProposalFactory()


def post(author, proposal, body="Could the form be saved halfway?", parent=None) -> Comment:
    return comment_post(author=author, proposal=proposal, body=body, parent=parent)


def page(client, proposal):
    response = client.get(f"/proposals/{proposal.pk}/")
    assert response.status_code == 200
    return response


# Reading


def test_the_thread_with_count_replies_and_official_badge(client_for, proposal):
    post(factories.citizen(display_name="Ana"), proposal, body="Save it halfway.")
    official = factories.official(first_name="Claire", last_name="Martin")
    post(official, proposal, body="We are looking into it.", parent=Comment.objects.get())

    text = visible_text(page(client_for(), proposal))

    assert "Comments (2 comments)" in text
    assert "Ana · " in text and "Save it halfway." in text
    # The badge is a word, not a colour.
    assert "Claire Martin Official · " in text
    assert "We are looking into it." in text


def test_a_script_in_a_comment_is_shown_as_text(client_for, proposal):
    post(factories.citizen(), proposal, body="<script>alert('x')</script> & <b>bold</b>")
    html = page(client_for(), proposal).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_visitors_are_asked_to_sign_in_and_the_unverified_to_confirm(client_for, proposal):
    text = visible_text(page(client_for(), proposal))
    assert "Sign in to comment." in text
    assert "No comments yet." in text
    text = visible_text(page(client_for(factories.unverified_citizen()), proposal))
    assert "Confirm your e-mail address to comment." in text


def test_a_closed_consultation_shows_comments_without_a_form(client_for):
    proposal = factories.ProposalFactory(consultation=factories.consultation(open_now=False))
    Comment.objects.create(
        proposal=proposal, author=factories.citizen(), body="Earlier.", visibility="published"
    )
    response = page(client_for(factories.citizen()), proposal)
    assert "Comments are closed: this consultation is not open." in visible_text(response)
    assert (
        'action="/proposals/' not in response.content.decode().split('id="comments"')[1].split("<template")[0]
    )


def test_placeholders_for_deleted_and_hidden_comments_with_replies(client_for, proposal, moderator):
    deleted = post(factories.citizen(), proposal, body="I take it back.")
    hidden = post(factories.citizen(), proposal, body="Rude words.")
    for parent in (deleted, hidden):
        post(factories.citizen(), proposal, body=f"Answer to {parent.pk}", parent=parent)
    comment_delete(actor=deleted.author, comment=deleted)
    comment_moderate(actor=moderator, comment=hidden, action="hide", reason="Insults.")

    text = visible_text(page(client_for(factories.citizen()), proposal))

    assert "This comment was deleted by its author." in text
    assert "This comment was hidden by moderation." in text
    assert "Rude words." not in text and "Insults." not in text
    assert f"Answer to {deleted.pk}" in text and f"Answer to {hidden.pk}" in text
    # The author reads the reason; the moderator reads the text.
    assert "Reason given: Insults." in visible_text(page(client_for(hidden.author), proposal))
    assert "Rude words." in visible_text(page(client_for(moderator), proposal))


def test_a_pending_comment_is_shown_to_its_author_as_waiting(client_for):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    comment = post(factories.citizen(), proposal, body="Please check me.")
    mine = visible_text(page(client_for(comment.author), proposal))
    assert "Please check me." in mine and "Waiting for moderation" in mine
    assert "Please check me." not in visible_text(page(client_for(factories.citizen()), proposal))
    assert "Approve" in visible_text(page(client_for(factories.moderator()), proposal))


# Posting without JavaScript


def test_a_comment_posted_without_js_goes_back_to_its_anchor(client_for, proposal):
    client = client_for(factories.citizen())
    response = client.post(f"/proposals/{proposal.pk}/comments/", {"body": "  Good idea.  "})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/{proposal.pk}/#comment-{comment.pk}"
    assert comment.body == "Good idea."
    assert "Your comment is published." in visible_text(client.get(response["Location"]))
    assert Proposal.objects.get().comments_count == 1


def test_a_reply_without_js(client_for, proposal):
    parent = post(factories.citizen(), proposal)
    response = client_for(factories.citizen()).post(
        f"/proposals/{proposal.pk}/comments/", {"body": "Agreed.", "parent": parent.pk}
    )
    reply = Comment.objects.get(parent=parent)
    assert response["Location"].endswith(f"#comment-{reply.pk}")


def test_an_empty_comment_comes_back_with_the_error_on_its_field(client_for, proposal):
    response = client_for(factories.citizen()).post(f"/proposals/{proposal.pk}/comments/", {"body": "   "})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_comment_body_error"' in html
    assert 'aria-describedby="id_comment_body_helptext id_comment_body_error' in html
    assert not Comment.objects.exists()


def test_a_refused_reply_is_explained_above_the_page(client_for, proposal):
    parent = post(factories.citizen(), proposal)
    reply = post(factories.citizen(), proposal, parent=parent)
    response = client_for(factories.citizen()).post(
        f"/proposals/{proposal.pk}/comments/", {"body": "Too deep.", "parent": reply.pk}, follow=True
    )
    assert "You cannot reply to this comment." in visible_text(response)
    assert Comment.objects.count() == 2


def test_anonymous_posting_goes_to_sign_in(client_for, proposal):
    response = client_for().post(f"/proposals/{proposal.pk}/comments/", {"body": "Hi"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Comment.objects.exists()


def test_unverified_posting_is_explained_above_the_page(client_for, proposal):
    response = client_for(factories.unverified_citizen()).post(
        f"/proposals/{proposal.pk}/comments/", {"body": "Hi"}, follow=True
    )
    assert "Confirm your e-mail address before commenting." in visible_text(response)
    assert not Comment.objects.exists()


# Edit, delete, moderate


def test_the_author_edits_within_the_window_and_the_page_says_edited(client_for, proposal):
    comment = post(factories.citizen(), proposal)
    client = client_for(comment.author)
    assert "Edit your comment" in visible_text(page(client, proposal))
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "Saved halfway, please."})
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    text = visible_text(client.get(response["Location"]))
    assert "Saved halfway, please. " in text and "(edited)" in text


def test_no_edit_form_after_the_window_nor_for_others(client_for, proposal, settings):
    comment = post(factories.citizen(), proposal)
    assert "Edit your comment" not in visible_text(page(client_for(factories.citizen()), proposal))
    Comment.objects.update(created_at=timezone.now() - timedelta(minutes=settings.COMMENT_EDIT_MINUTES))
    client = client_for(comment.author)
    text = visible_text(page(client, proposal))
    assert "Edit your comment" not in text and "Delete your comment" in text
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "Late."}, follow=True)
    assert "Comments can be edited for 15 minutes after posting." in visible_text(response)
    assert Comment.objects.get().edited_at is None


def test_the_author_deletes(client_for, proposal):
    comment = post(factories.citizen(), proposal)
    client = client_for(comment.author)
    response = client.post(f"/comments/{comment.pk}/delete/", follow=True)
    assert "Your comment is deleted." in visible_text(response)
    assert Comment.objects.get().is_deleted
    assert client_for(factories.citizen()).post(f"/comments/{comment.pk}/delete/").status_code == 302
    assert Proposal.objects.get().comments_count == 0


def test_another_citizen_cannot_delete(client_for, proposal):
    comment = post(factories.citizen(), proposal)
    response = client_for(factories.citizen()).post(f"/comments/{comment.pk}/delete/", follow=True)
    assert "Only its author can delete a comment." in visible_text(response)
    assert not Comment.objects.get().is_deleted


def test_a_moderator_hides_from_the_page(client_for, proposal, moderator):
    comment = post(factories.citizen(), proposal)
    client = client_for(moderator)
    refused = client.post(f"/comments/{comment.pk}/moderate/", {"action": "hide", "reason": ""}, follow=True)
    assert "A reason is required." in visible_text(refused)
    client.post(f"/comments/{comment.pk}/moderate/", {"action": "hide", "reason": "Spam."})
    assert Comment.objects.get().visibility == Visibility.HIDDEN
    assert AuditEntry.objects.trail().get().reason == "Spam."


def test_a_citizen_cannot_moderate_from_the_page(client_for, proposal):
    comment = post(factories.citizen(), proposal)
    client_for(factories.citizen()).post(
        f"/comments/{comment.pk}/moderate/", {"action": "hide", "reason": "x"}
    )
    assert Comment.objects.get().is_published


def test_the_comment_form_shares_the_api_budget(client_for, proposal, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"comments": "1/minute"})
    client = client_for(factories.citizen())
    assert client.post(f"/proposals/{proposal.pk}/comments/", {"body": "One."}).status_code == 302
    refused = client.post(f"/proposals/{proposal.pk}/comments/", {"body": "Two."})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Comment.objects.count() == 1


def test_a_too_long_reply_comes_back_open_on_its_own_form_with_the_text(client_for, proposal):
    parent = post(factories.citizen(), proposal)
    response = client_for(factories.citizen()).post(
        f"/proposals/{proposal.pk}/comments/", {"body": "y" * 2001, "parent": parent.pk}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_reply{parent.pk}_body_error"' in html
    assert "y" * 2001 in html
    reply_form = html.split(f'value="{parent.pk}"')[0].rsplit("<form", 1)[1]
    assert f'id="reply-{parent.pk}" data-role="reply"' in reply_form
    assert 'id="id_comment_body_error"' not in html  # the main form is untouched
    # Shown at the address it was posted to: the links still lead to the proposal's page.
    assert f'href="/proposals/{proposal.pk}/?report={parent.pk}#report-comment-{parent.pk}"' in html
    assert Comment.objects.count() == 1


def test_the_thread_costs_the_same_queries_whatever_its_length(
    client_for, proposal, django_assert_max_num_queries
):
    viewer = factories.citizen()
    client = client_for(viewer)
    post(factories.citizen(), proposal)
    client.get(f"/proposals/{proposal.pk}/")  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        client.get(f"/proposals/{proposal.pk}/")
    for _ in range(5):
        parent = post(factories.citizen(), proposal)
        post(factories.official(), proposal, parent=parent)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(f"/proposals/{proposal.pk}/")


# One form per page: "Reply" and "Report this comment" are links to the page with that one form


def test_each_comment_links_to_its_reply_form_named_after_its_author(client_for, proposal):
    ana = post(factories.citizen(display_name="Ana"), proposal, body="First.")
    ben = post(factories.citizen(display_name="Ben"), proposal, body="Second.")
    post(factories.citizen(), proposal, body="A reply.", parent=ana)
    html = page(client_for(factories.citizen()), proposal).content.decode()
    thread = html.split('id="comment-template"')[0]

    for comment, name in ((ana, "Ana"), (ben, "Ben")):
        assert (
            f'<a href="/proposals/{proposal.pk}/?reply={comment.pk}#reply-{comment.pk}" '
            f'class="comment__link" data-action="reply" data-comment-id="{comment.pk}">'
            f'<span aria-hidden="true">Reply</span>'
            f'<span class="visually-hidden">Reply to {name}’s comment</span></a>'
        ) in thread
    assert thread.count('data-action="reply"') == 2  # replies are answered under their top comment
    assert 'name="parent"' not in thread  # no reply form until one is asked for
    assert thread.count('<textarea name="body"') == 1  # the new comment's


def test_the_reply_link_opens_that_comments_form_only(client_for, proposal):
    ana = post(factories.citizen(display_name="Ana"), proposal)
    other = post(factories.citizen(), proposal)
    client = client_for(factories.citizen())
    thread = client.get(f"/proposals/{proposal.pk}/", {"reply": ana.pk}).content.decode()
    thread = thread.split('id="comment-template"')[0]

    assert thread.count('name="parent"') == 1
    form = thread.split(f'id="reply-{ana.pk}"')[1].split("</form>")[0]
    assert f'<p class="comment-form__title" id="reply-{ana.pk}-title" data-role="reply-title">' in form
    assert "Reply to Ana’s comment</p>" in form
    assert f'<input type="hidden" name="parent" value="{ana.pk}">' in form
    assert f'<label for="id_reply{ana.pk}_body">Your reply</label>' in form
    assert f'href="/proposals/{proposal.pk}/#comment-{ana.pk}" data-action="cancel-reply">Cancel</a>' in form
    assert f'id="reply-{other.pk}"' not in thread

    response = client.post(f"/proposals/{proposal.pk}/comments/", {"body": "Agreed.", "parent": ana.pk})
    assert response.status_code == 302
    assert Comment.objects.get(parent=ana).body == "Agreed."


@pytest.mark.parametrize("value", ["abc", "", "-3", "1e3", "\u0661", "9" * 40])
def test_a_bad_reply_parameter_shows_the_page_without_a_reply_form(client_for, proposal, value):
    post(factories.citizen(), proposal)
    response = client_for(factories.citizen()).get(f"/proposals/{proposal.pk}/", {"reply": value})
    assert response.status_code == 200
    assert 'name="parent" value="' not in response.content.decode().split('id="comment-template"')[0]


def test_no_reply_form_for_a_reply_a_visitor_or_a_closed_thread(client_for, proposal):
    parent = post(factories.citizen(), proposal)
    reply = post(factories.citizen(), proposal, parent=parent)
    citizen = client_for(factories.citizen())
    for client, target in ((citizen, reply), (client_for(), parent)):
        html = client.get(f"/proposals/{proposal.pk}/", {"reply": target.pk}).content.decode()
        assert 'name="parent"' not in html.split('id="comment-template"')[0]
    assert 'data-action="reply"' not in client_for().get(f"/proposals/{proposal.pk}/").content.decode()


def test_the_reply_link_keeps_the_page_of_the_thread(client_for, proposal, monkeypatch):
    monkeypatch.setattr("frontend.views.thread.COMMENTS_PAGE_SIZE", 1)
    post(factories.citizen(), proposal, body="One.")
    second = post(factories.citizen(), proposal, body="Two.")
    html = client_for(factories.citizen()).get(f"/proposals/{proposal.pk}/", {"comments": 2}).content.decode()
    assert f'href="/proposals/{proposal.pk}/?comments=2&amp;reply={second.pk}#reply-{second.pk}"' in html


def test_a_former_members_comment_has_a_reply_link_that_says_so(client_for, proposal):
    gone = post(factories.citizen(), proposal)
    Comment.objects.filter(pk=gone.pk).update(author=None)
    html = page(client_for(factories.citizen()), proposal).content.decode()
    assert '<span class="visually-hidden">Reply to a former member’s comment</span>' in html


# An author's edit in a pre-moderated consultation


@pytest.fixture
def approved(moderator):
    proposal = factories.ProposalFactory(consultation=factories.consultation(moderation=ModerationMode.PRE))
    comment = post(factories.citizen(), proposal, body="Approved words.")
    return comment_moderate(actor=moderator, comment=comment, action="approve")


def test_an_edit_from_the_page_waits_for_moderation_and_its_author_is_told(client_for, approved):
    client = client_for(approved.author)
    response = client.post(f"/comments/{approved.pk}/edit/", {"body": "Unapproved words."}, follow=True)

    mine = visible_text(response)
    assert "Thank you: your edit is waiting for moderation." in mine
    assert (
        "Your edit is waiting for moderation. Until a moderator approves it, others read the text above."
        in mine
    )
    assert "Approved words." in mine and "Unapproved words." in mine
    assert "Unapproved words.</textarea>" in response.content.decode()  # the edit goes on from the new text
    for reader in (client_for(), client_for(factories.citizen())):
        text = visible_text(page(reader, approved.proposal))
        assert "Approved words." in text and "Unapproved" not in text and "waiting" not in text


def test_the_author_reads_in_french_that_the_edit_waits(client_for, approved):
    client = client_for(approved.author, headers={"accept-language": "fr-FR,fr;q=0.9"})
    response = client.post(f"/comments/{approved.pk}/edit/", {"body": "Nouveaux mots."}, follow=True)
    text = visible_text(response)
    assert "Merci : votre modification est en attente de modération." in text
    assert "Votre modification est en attente de modération." in text


def test_a_moderator_approves_or_rejects_the_edit_from_the_page(client_for, approved, moderator):
    author, client = client_for(approved.author), client_for(moderator)
    author.post(f"/comments/{approved.pk}/edit/", {"body": "Better words."})
    text = visible_text(page(client, approved.proposal))
    assert "Its author’s edit is waiting for moderation." in text and "Better words." in text
    assert "Approve the edit" in text and "Reject the edit" in text
    client.post(f"/comments/{approved.pk}/moderate/", {"action": "approve"})
    assert Comment.objects.get().body == "Better words."

    author.post(f"/comments/{approved.pk}/edit/", {"body": "Rude words."})
    client.post(f"/comments/{approved.pk}/moderate/", {"action": "reject_edit", "reason": "Insults."})
    stored = Comment.objects.get()
    assert (stored.body, stored.has_pending_edit) == ("Better words.", False)
    text = visible_text(page(author, approved.proposal))
    assert "The last edit was rejected by moderation. Reason given: Insults." in text
    assert "Insults." not in visible_text(page(client_for(factories.citizen()), approved.proposal))
    assert list(AuditEntry.objects.trail().filter(comment=approved).values_list("action", flat=True)) == [
        "approved",
        "edit_approved",
        "edit_rejected",
    ]
