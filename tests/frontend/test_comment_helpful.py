"""The helpful button under a comment on the proposal page, without JavaScript: who gets it (both ways), the
mark and its withdrawal coming back to the comment, the count right whoever read the kept comment box
first, the thread's order chosen with links, and all of it in French."""

import re

import pytest
from django.test import Client

from proposals.models import Comment
from proposals.services import comment_helpful_mark, comment_moderate, comment_post
from proposals.services.account_blocks import account_block
from tests.support import factories
from tests.support.pages import NB, visible_text, visible_text_with_nbsp

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment():
    proposal = factories.ProposalFactory()
    return comment_post(
        author=factories.citizen(display_name="Ana"), proposal=proposal, body="Save it halfway."
    )


def html(client, comment, query: str = "") -> str:
    response = client.get(f"/proposals/{comment.proposal_id}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def helpful_part(page: str, comment) -> str:
    """What the comment's box shows of its helpful count: the form with its button, or the count alone."""
    box = re.search(rf'id="comment-{comment.pk}".*?</article>', page, flags=re.S)
    assert box, comment.pk
    found = re.search(r"<(form|p) [^>]*class=\"comment__helpful\".*?</\1>", box[0], flags=re.S)
    return found[0] if found else ""


def button(page: str, comment) -> str | None:
    """The button's state and the name a screen reader reads ("true: Helpful (1), comment by Ana"), or None
    when there is no button."""
    found = re.search(r'aria-pressed="(true|false)">(.*?)</button>', helpful_part(page, comment), re.S)
    if found is None:
        return None
    name = re.search(r'<span class="visually-hidden">(.*)</span>$', found[2], re.S)
    return f"{found[1]}: {re.sub(r'<[^>]+>', '', name[1])}"


def shown(page: str, comment) -> str:
    """What the button shows (hidden from screen readers, which read its name)."""
    found = re.search(
        r'<button [^>]*><span aria-hidden="true">(.*?)</span><span class="visually-hidden">',
        helpful_part(page, comment),
        re.S,
    )
    return re.sub(r"<[^>]+>", "", found[1])


def mark(client, comment, helpful: str = "1", **extra):
    return client.post(f"/comments/{comment.pk}/helpful/", {"helpful": helpful, **extra})


def test_a_citizen_marks_and_withdraws_with_the_button(client_for, comment):
    client = client_for(factories.citizen())
    assert button(html(client, comment), comment) == "false: Helpful (0), comment by Ana"

    marked = mark(client, comment)
    assert marked.status_code == 302
    assert marked["Location"] == f"/proposals/{comment.proposal_id}/#comment-{comment.pk}"
    page = html(client, comment)
    assert button(page, comment) == "true: Helpful (1), comment by Ana"
    assert shown(page, comment) == "✓ Helpful (1)"  # pressed: not by colour alone
    assert 'name="helpful" value="0"' in helpful_part(page, comment)
    assert "You marked this comment as helpful." in page

    assert mark(client, comment, "0").status_code == 302
    page = html(client, comment)
    assert button(page, comment) == "false: Helpful (0), comment by Ana"
    assert "Your helpful mark is withdrawn." in page
    assert Comment.objects.get(pk=comment.pk).helpful_count == 0


def test_a_visitor_sees_the_count_and_is_sent_to_sign_in(client_for, comment):
    visitor = client_for()
    assert 'class="comment__helpful"' in helpful_part(html(visitor, comment), comment)
    assert " hidden>" in helpful_part(html(visitor, comment), comment)  # no count to show yet
    comment_helpful_mark(user=factories.citizen(), comment=comment)
    page = html(visitor, comment)
    assert button(page, comment) is None
    assert helpful_part(page, comment).endswith('Helpful (<span data-role="helpful-count">1</span>)</p>')

    response = mark(visitor, comment)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Comment.objects.get(pk=comment.pk).helpful_count == 1


@pytest.mark.parametrize(
    "reader", ["author", "unverified", "blocked"], ids=["own comment", "unverified", "blocked"]
)
def test_no_button_for_who_may_not_mark(client_for, comment, reader):
    user = {
        "author": lambda: comment.author,
        "unverified": factories.unverified_citizen,
        "blocked": factories.citizen,
    }[reader]()
    if reader == "blocked":
        comment_helpful_mark(user=user, comment=comment)  # not even to take a mark back: a write
        account_block(actor=factories.moderator(), user=user, reason="Spam, again and again.")
    client = client_for(user)
    page = html(client, comment)
    assert button(page, comment) is None
    assert "<form" not in helpful_part(page, comment)

    response = mark(client, comment, "0" if reader == "blocked" else "1")
    assert response.status_code == (403 if reader == "blocked" else 302)
    expected = 1 if reader == "blocked" else 0
    assert Comment.objects.get(pk=comment.pk).helpful_count == expected


def test_a_hidden_comment_has_no_button_even_for_a_moderator(client_for, comment):
    moderator = factories.moderator()
    comment_moderate(actor=moderator, comment=comment, action="hide", reason="Personal data.")
    page = html(client_for(moderator), comment)
    assert helpful_part(page, comment) == ""
    response = mark(client_for(moderator), comment)
    assert response.status_code == 302
    assert Comment.objects.get(pk=comment.pk).helpful_count == 0
    assert mark(client_for(factories.citizen()), comment).status_code == 404


def test_the_count_and_the_pressed_state_are_right_whoever_read_the_kept_box_first(client_for, comment):
    """The box of a comment a reader only reads is kept by what it shows; the helpful part is not in it."""
    first, second = factories.citizen(), factories.citizen()
    comment_helpful_mark(user=first, comment=comment)
    for reader, expected in ((first, "true: Helpful (1)"), (second, "false: Helpful (1)")) * 2:
        assert button(html(client_for(reader), comment), comment).startswith(expected)
    comment_helpful_mark(user=second, comment=comment)
    assert button(html(client_for(second), comment), comment).startswith("true: Helpful (2)")
    assert button(html(client_for(first), comment), comment).startswith("true: Helpful (2)")
    assert helpful_part(html(client_for(), comment), comment).endswith(">2</span>)</p>")


def test_the_thread_sorted_most_helpful_first_with_links_that_keep_the_order(client_for, comment):
    proposal = comment.proposal
    second = comment_post(author=factories.citizen(display_name="Bea"), proposal=proposal, body="Second one.")
    comment_helpful_mark(user=factories.citizen(), comment=second)
    reader = factories.citizen()
    client = client_for(reader)

    oldest = html(client, comment)
    assert oldest.index(f'id="comment-{comment.pk}"') < oldest.index(f'id="comment-{second.pk}"')
    assert f'<a href="/proposals/{proposal.pk}/#comments" aria-current="true">Oldest first</a>' in oldest
    helpful = html(client, comment, "?sort=helpful")
    assert helpful.index(f'id="comment-{second.pk}"') < helpful.index(f'id="comment-{comment.pk}"')
    chosen = f'<a href="/proposals/{proposal.pk}/?sort=helpful#comments" aria-current="true">'
    assert f"{chosen}Most helpful first</a>" in helpful
    assert f"?sort=helpful&amp;reply={comment.pk}#reply-{comment.pk}" in helpful
    assert 'name="sort" value="helpful"' in helpful_part(helpful, comment)
    assert html(client, comment, "?sort=nonsense").index(f'id="comment-{comment.pk}"') < oldest.index(
        f'id="comment-{second.pk}"'
    )

    # Marking from the sorted thread comes back to it.
    response = mark(client, comment, sort="helpful")
    assert response["Location"] == f"/proposals/{proposal.pk}/?sort=helpful#comment-{comment.pk}"


def test_in_french(comment):
    comment_helpful_mark(user=factories.citizen(), comment=comment)
    comment_post(author=factories.citizen(), proposal=comment.proposal, body="Another one.")
    client = Client(headers={"accept-language": "fr-FR,fr;q=0.9"})
    client.force_login(factories.citizen())

    response = client.get(f"/proposals/{comment.proposal_id}/")
    text = visible_text_with_nbsp(response)
    assert f"Trier les commentaires{NB}:" in text
    assert "Les plus anciens d’abord" in text and "Les plus utiles d’abord" in text
    assert button(response.content.decode(), comment) == "false: Utile (1), commentaire écrit par Ana"

    marked = client.post(f"/comments/{comment.pk}/helpful/", {"helpful": "1"}, follow=True)
    assert "Vous avez indiqué ce commentaire comme utile." in visible_text(marked)
