"""A blocked account reads but does not write: every write family answers 403 `account_blocked` (the API,
by token and by session) or the blocked page (the site), nothing written; the same person unblocked
writes. What a person is always entitled to stays open. Who may block whom; the audit record; the e-mail
in the person's language; no query of its own per request."""

import pytest
from django.core import mail
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cocreate.accounts.blocking import is_blocked
from cocreate.accounts.models import AccountBlock
from cocreate.accounts.selectors import user_with_roles
from cocreate.exceptions import Conflict, NotAllowed, ServiceError
from proposals.models import CheckIn, Comment, Flag, Follow, Proposal
from proposals.services.account_blocks import account_block, account_unblock
from tests.support import factories
from tests.support.api import assert_error
from votes.models import Support
from votes.services import support_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    consultation = factories.consultation(stages=("Apply online",))
    other = factories.citizen()
    proposal = factories.ProposalFactory(consultation=consultation, author=other)
    comment = factories.a_comment(proposal, author=other)
    return consultation, proposal, comment


@pytest.fixture
def person(world):
    """A citizen with a supported proposal, a comment of their own and a follow: something to withdraw,
    edit and delete."""
    consultation, proposal, _comment = world
    user = factories.citizen()
    support_add(user=user, proposal=proposal)  # and follows it
    factories.a_comment(proposal, author=user, body="Mine.")
    return user


def block(user, reason="Spam, again and again."):
    return account_block(actor=factories.moderator(), user=user, reason=reason)


def written() -> tuple:
    """Every row a write of a citizen may leave."""
    models = (Proposal, Support, Comment, Flag, Follow, CheckIn)
    return tuple(model.objects.count() for model in models) + tuple(
        Comment.objects.values_list("body", "deleted_at").order_by("pk")
    )


# Each write family of the API: (method, URL, body), given the world and the person.
def api_writes(world, person):
    consultation, proposal, comment = world
    own = Comment.objects.get(author=person)
    checkin = f"/api/v1/consultations/{consultation.pk}/checkins/apply-online/"
    return {
        "submit": ("post", "/api/v1/proposals/", {
            "consultation": consultation.pk, "title": "More", "summary": "More of it.", "body": "Details.",
        }),
        "withdraw a support": ("delete", f"/api/v1/proposals/{proposal.pk}/support/", None),
        "comment": ("post", f"/api/v1/proposals/{proposal.pk}/comments/", {"body": "I agree."}),
        "edit a comment": ("patch", f"/api/v1/comments/{own.pk}/", {"body": "Edited."}),
        "delete a comment": ("delete", f"/api/v1/comments/{own.pk}/", None),
        "flag a proposal": ("post", f"/api/v1/proposals/{proposal.pk}/flag/", {"reason": "spam"}),
        "flag a comment": ("post", f"/api/v1/comments/{comment.pk}/flag/", {"reason": "abuse"}),
        "stop following": ("delete", f"/api/v1/proposals/{proposal.pk}/follow/", None),
        "check in": ("put", checkin, {"frustration": 4, "motivation": 2, "gave_up": False, "story": "Long."}),
    }  # fmt: skip


API_WRITES = (
    "submit",
    "withdraw a support",
    "comment",
    "edit a comment",
    "delete a comment",
    "flag a proposal",
    "flag a comment",
    "stop following",
    "check in",
)


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def session_client(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("how", [token_client, session_client], ids=["token", "session"])
@pytest.mark.parametrize("family", API_WRITES)
def test_a_blocked_persons_api_write_is_refused_and_nothing_written(world, person, family, how):
    method, url, body = api_writes(world, person)[family]
    block(person)
    before = written()

    response = getattr(how(person), method)(url, body, format="json")

    error = assert_error(response, 403, "account_blocked")
    assert "Spam, again and again." in error["message"]
    assert written() == before


@pytest.mark.parametrize("how", [token_client, session_client], ids=["token", "session"])
@pytest.mark.parametrize("family", API_WRITES)
def test_the_same_write_goes_through_once_the_block_is_lifted(world, person, family, how):
    method, url, body = api_writes(world, person)[family]
    block(person)
    account_unblock(actor=factories.moderator(), user=person)
    before = written()

    response = getattr(how(person), method)(url, body, format="json")

    assert response.status_code in (200, 201, 204), response.content
    assert written() != before


def test_supporting_and_following_over_the_api_are_refused_too(world):
    _consultation, proposal, _comment = world
    user = factories.citizen()
    block(user)
    client = token_client(user)

    for url in (f"/api/v1/proposals/{proposal.pk}/support/", f"/api/v1/proposals/{proposal.pk}/follow/"):
        assert_error(client.post(url, format="json"), 403, "account_blocked")
    assert not Support.objects.filter(user=user).exists()
    assert not Follow.objects.filter(user=user).exists()


def test_a_blocked_person_still_reads_the_api(world, person):
    _consultation, proposal, _comment = world
    block(person)
    client = token_client(person)

    assert client.get(f"/api/v1/proposals/{proposal.pk}/").status_code == 200
    assert client.get(f"/api/v1/proposals/{proposal.pk}/comments/").status_code == 200
    assert client.get("/api/v1/me/export/").status_code == 200


def test_what_a_blocked_person_is_entitled_to_stays_open_in_the_api(person):
    block(person)
    client = token_client(person)

    assert client.post("/api/v1/notifications/read/", format="json").status_code == 200
    # The deletion is reached: its own refusal (wrong password), not the block's.
    assert_error(
        client.post("/api/v1/me/delete/", {"password": "wrong"}, format="json"), 400, "wrong_confirmation"
    )
    assert (
        client.post("/api/v1/me/delete/", {"password": factories.PASSWORD}, format="json").status_code == 204
    )


# The site's forms


def site_writes(world, person):
    consultation, proposal, comment = world
    own = Comment.objects.get(author=person)
    stage = consultation.stages.get()
    return {
        "submit": (f"/consultations/{consultation.pk}/propose/", {
            "title": "More", "summary": "More of it.", "body": "Details.",
        }),
        "support": (f"/proposals/{factories.ProposalFactory(consultation=consultation).pk}/support/", {}),
        "withdraw a support": (f"/proposals/{proposal.pk}/support/withdraw/", {}),
        "comment": (f"/proposals/{proposal.pk}/comments/", {"body": "I agree."}),
        "edit a comment": (f"/comments/{own.pk}/edit/", {"body": "Edited."}),
        "delete a comment": (f"/comments/{own.pk}/delete/", {}),
        "flag a proposal": (f"/proposals/{proposal.pk}/report/", {"reason": "spam"}),
        "flag a comment": (f"/comments/{comment.pk}/report/", {"reason": "abuse"}),
        "stop following": (f"/proposals/{proposal.pk}/unfollow/", {}),
        "check in": (f"/consultations/{consultation.pk}/check-in/", {
            "stage": stage.pk, "frustration": 4, "motivation": 2, "story": "Long.",
        }),
        "public name": ("/account/", {"display_name": "Spammer"}),
    }  # fmt: skip


SITE_WRITES = (*API_WRITES, "support", "public name")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def names(user):
    user.refresh_from_db()
    return user.display_name


@pytest.mark.parametrize("family", SITE_WRITES)
def test_a_blocked_persons_form_is_refused_with_a_page_that_says_why(world, person, family):
    url, data = site_writes(world, person)[family]
    block(person)
    before = written(), names(person)

    response = signed_in(person).post(url, data)

    assert response.status_code == 403
    text = response.content.decode()
    assert "Your account is blocked" in text
    assert "Spam, again and again." in text
    assert (written(), names(person)) == before


@pytest.mark.parametrize("family", SITE_WRITES)
def test_the_same_form_goes_through_once_the_block_is_lifted(world, person, family):
    url, data = site_writes(world, person)[family]
    block(person)
    account_unblock(actor=factories.moderator(), user=person)
    before = written(), names(person)

    response = signed_in(person).post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert (written(), names(person)) != before


def test_the_blocked_page_is_in_french_for_a_french_reader(world, person):
    _consultation, proposal, _comment = world
    block(person)
    client = signed_in(person)
    client.cookies["django_language"] = "fr"

    response = client.post(f"/proposals/{proposal.pk}/support/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 403
    assert "Votre compte est bloqué" in response.content.decode()


def test_a_blocked_person_still_reads_signs_out_changes_language_and_leaves(world, person):
    _consultation, proposal, _comment = world
    block(person)
    client = signed_in(person)

    assert client.get(proposal.get_absolute_url()).status_code == 200
    assert client.get("/account/").status_code == 200
    assert client.post("/notifications/read/").status_code == 302
    # Stopping e-mails: the master switch off (left out of the form), every kind to none.
    no_emails = dict.fromkeys(("status", "response", "threshold", "milestone", "comments"), "none")
    assert client.post("/account/notifications/", no_emails).status_code == 302
    assert client.post("/i18n/setlang/", {"language": "fr", "next": "/"}).status_code == 302
    assert client.post("/account/delete/", {"password": "wrong"}).status_code == 400  # the form's own error
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_blocked_person_can_still_sign_in_and_change_the_password(person):
    block(person)
    client = Client()

    assert (
        client.post("/accounts/login/", {"login": person.email, "password": factories.PASSWORD}).status_code
        == 302
    )
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": factories.PASSWORD,
            "password1": "a new pass phrase 42",
            "password2": "a new pass phrase 42",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("a new pass phrase 42")


# Who may block whom


def test_a_moderator_blocks_a_citizen_and_the_record_says_who_when_and_why():
    moderator, user = factories.moderator(first_name="Mia", last_name="Mod"), factories.citizen()

    block_ = account_block(actor=moderator, user=user, reason="  Insults.  ")

    assert (block_.blocked_by, block_.blocked_by_name, block_.reason) == (moderator, "Mia Mod", "Insults.")
    assert block_.created_at is not None and block_.lifted_at is None
    assert is_blocked(user_with_roles(user_id=user.pk))

    lifted = account_unblock(actor=moderator, user=user, reason="Apologised.")

    assert (lifted.pk, lifted.lifted_by, lifted.lift_reason) == (block_.pk, moderator, "Apologised.")
    assert not is_blocked(user_with_roles(user_id=user.pk))


@pytest.mark.parametrize("target", ["moderator", "official", "superuser", "editor", "self"])
def test_a_moderator_cannot_block_staff_or_themselves(target):
    moderator = factories.moderator()
    user = {
        "moderator": factories.moderator,
        "official": factories.official,
        "superuser": lambda: factories.citizen(is_superuser=True, is_staff=True),
        "editor": factories.admin_only_user,
        "self": lambda: moderator,
    }[target]()

    with pytest.raises(NotAllowed):
        account_block(actor=moderator, user=user, reason="No.")
    assert not AccountBlock.objects.exists()


@pytest.mark.parametrize("target", ["moderator", "official"])
def test_an_administrator_blocks_a_moderator_or_an_official(target):
    admin = factories.citizen(is_superuser=True, is_staff=True)
    user = getattr(factories, target)()

    account_block(actor=admin, user=user, reason="Abuse of the role.")

    assert is_blocked(user_with_roles(user_id=user.pk))


@pytest.mark.parametrize("actor", ["citizen", "unverified_citizen", "anonymous"])
def test_a_citizen_cannot_block_anyone(actor):
    from django.contrib.auth.models import AnonymousUser

    who = AnonymousUser() if actor == "anonymous" else getattr(factories, actor)()
    with pytest.raises(NotAllowed):
        account_block(actor=who, user=factories.citizen(), reason="No.")


def test_a_block_needs_a_reason_and_stands_once():
    moderator, user = factories.moderator(), factories.citizen()
    with pytest.raises(ServiceError) as refused:
        account_block(actor=moderator, user=user, reason="   ")
    assert "reason" in refused.value.fields

    account_block(actor=moderator, user=user, reason="Spam.")
    with pytest.raises(Conflict) as twice:
        account_block(actor=factories.moderator(), user=user, reason="Spam too.")
    assert twice.value.code == "already_blocked"
    with pytest.raises(Conflict):
        account_unblock(actor=moderator, user=factories.citizen())


def test_the_database_keeps_one_standing_block_per_account():
    moderator, user = factories.moderator(), factories.citizen()
    AccountBlock.objects.create(user=user, reason="One.", blocked_by=moderator, blocked_by_name="M")
    with pytest.raises(IntegrityError):
        AccountBlock.objects.create(user=user, reason="Two.", blocked_by=moderator, blocked_by_name="M")


# The person is told, in their language


def test_the_person_is_told_by_email_with_the_reason_in_their_language(django_capture_on_commit_callbacks):
    user = factories.citizen(language="fr")

    with django_capture_on_commit_callbacks(execute=True):
        block(user, reason="Messages publicitaires.")

    (message,) = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Votre compte cocreate est bloqué"
    assert "Messages publicitaires." in message.body
    assert "les modérateurs ont bloqué votre compte" in message.body

    with django_capture_on_commit_callbacks(execute=True):
        account_unblock(actor=factories.moderator(), user=user)
    assert mail.outbox[1].subject == "Votre compte cocreate n’est plus bloqué"


def test_no_email_goes_when_the_block_is_refused(django_capture_on_commit_callbacks):
    user = factories.moderator()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        account_block(actor=factories.moderator(), user=user, reason="No.")
    assert mail.outbox == []


# The cost: the block is read with the person


def test_the_block_is_read_in_the_one_statement_that_reads_the_person(person):
    block(person)
    client = signed_in(person)
    client.get("/account/")  # the session's first read

    with CaptureQueriesContext(connection) as queries:
        response = client.post("/account/", {"display_name": "Spammer"})

    assert response.status_code == 403
    reads = [q["sql"] for q in queries.captured_queries if "accounts_accountblock" in q["sql"]]
    # The person's statement, and the block's reason for the page: nothing else asks.
    assert len(reads) == 2
    assert any("FROM accounts_user u" in sql for sql in reads)


def test_a_person_who_is_not_blocked_sends_no_query_about_blocks(world, person):
    _consultation, proposal, _comment = world
    client = signed_in(person)

    with CaptureQueriesContext(connection) as queries:
        client.post(f"/proposals/{proposal.pk}/follow/")

    reads = [q["sql"] for q in queries.captured_queries if "accounts_accountblock" in q["sql"]]
    assert len(reads) == 1 and "FROM accounts_user u" in reads[0]


def test_every_page_tells_a_blocked_person_why_and_nobody_else(world, person):
    _consultation, proposal, _comment = world
    block(person)

    blocked_page = signed_in(person).get(proposal.get_absolute_url())
    other_page = signed_in(factories.citizen()).get(proposal.get_absolute_url())

    notice = 'data-role="account-blocked"'
    assert notice in blocked_page.text and "Spam, again and again." in blocked_page.text
    assert notice not in other_page.text
    assert notice not in Client().get(proposal.get_absolute_url()).text


def test_a_person_who_is_not_blocked_reads_a_page_without_a_query_about_blocks(world, person):
    _consultation, proposal, _comment = world
    client = signed_in(person)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(proposal.get_absolute_url()).status_code == 200

    reads = [q["sql"] for q in queries.captured_queries if "accounts_accountblock" in q["sql"]]
    assert len(reads) == 1 and "FROM accounts_user u" in reads[0]
