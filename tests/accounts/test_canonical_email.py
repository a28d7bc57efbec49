"""One mailbox, one account: sign-up and adding an address compare addresses in their canonical form
(case; dots and +tags where the provider ignores them), the database's unique constraint holds under a
race, the address stays as typed, allauth's enumeration prevention is kept, and the migration of existing
addresses survives duplicates."""

import importlib
import threading

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import mail
from django.db import IntegrityError, connection
from django.test import Client

from cocreate.accounts import unique_email
from cocreate.accounts.canonical import canonical_email
from cocreate.accounts.models import CanonicalEmail, User
from tests.support import factories
from tests.support.pages import visible_text

pytestmark = pytest.mark.usefixtures("fresh_allauth_limits")

PASSWORD = "a long pass phrase 42"  # noqa: S105
TAKEN = "A user is already registered with this email address."  # allauth's own words


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Ada@Example.org", "ada@example.org"),
        ("a.da+news@example.org", "a.da+news@example.org"),  # an unknown provider keeps dots and tags
        ("Ada.Lovelace+cocreate@gmail.com", "adalovelace@gmail.com"),
        ("ada.love.lace@GoogleMail.com", "adalovelace@gmail.com"),
        ("Ada.Lovelace+x@outlook.com", "ada.lovelace@outlook.com"),  # tags, not dots
        ("ada+x@hotmail.com", "ada@hotmail.com"),
        ("ada+x@live.com", "ada@live.com"),
        ("ada+x@fastmail.com", "ada@fastmail.com"),
        ("ada+x@icloud.com", "ada@icloud.com"),
        ("a.d_a-l+x@proton.me", "adal@proton.me"),
        ("ada@hotmail.com", "ada@hotmail.com"),  # not merged with outlook.com: two mailboxes
        ("ada@gmail.com.", "ada@gmail.com"),
    ],
)
def test_canonical_form(typed, canonical):
    assert canonical_email(typed) == canonical


def sign_up(email, client=None):
    client = client or Client()
    return client.post("/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("ada@example.org", "ADA@Example.ORG"),
        ("ada.lovelace@gmail.com", "adalovelace@gmail.com"),
        ("adalovelace@gmail.com", "Ada.Lovelace+cocreate@googlemail.com"),
        ("ada@outlook.com", "ada+petitions@outlook.com"),
    ],
)
def test_a_second_account_for_the_same_mailbox_is_refused(first, second):
    assert sign_up(first).status_code == 302

    response = sign_up(second)

    assert response.status_code == 200
    assert TAKEN in visible_text(response)
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("ada@outlook.com", "a.da@outlook.com"),  # Microsoft counts dots
        ("ada@example.org", "a.da@example.org"),  # so may any other server
        ("ada+x@example.org", "ada@example.org"),
        ("ada@hotmail.com", "ada@outlook.com"),
    ],
)
def test_different_mailboxes_make_different_accounts(first, second):
    assert sign_up(first).status_code == 302
    assert sign_up(second).status_code == 302
    assert User.objects.count() == 2


@pytest.mark.django_db
def test_the_address_stays_as_typed_and_its_canonical_form_is_stored():
    sign_up("Ada.Lovelace+cocreate@gmail.com")

    address = EmailAddress.objects.get()
    # allauth lower-cases an address as it stores it; the dots and the tag stay, and mail goes there.
    assert address.email == "ada.lovelace+cocreate@gmail.com"
    assert address.user.email == "ada.lovelace+cocreate@gmail.com"
    assert address.canonical_form.canonical == "adalovelace@gmail.com"


@pytest.mark.django_db
def test_where_allauth_hides_taken_addresses_the_canonical_twin_is_hidden_too(settings):
    """Verification mandatory with enumeration prevention: allauth answers a taken address as if the
    sign-up worked and e-mails the address's owner. A canonical twin gets the same answer."""
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    sign_up("adalovelace@gmail.com")
    mail.outbox.clear()

    twin = sign_up("ada.lovelace+x@gmail.com")
    fresh = sign_up("grace@example.org")

    assert twin.status_code == fresh.status_code == 302
    assert twin["Location"] == fresh["Location"]
    assert User.objects.count() == 2  # Ada's and Grace's
    assert [m.to for m in mail.outbox] == [["ada.lovelace+x@gmail.com"], ["grace@example.org"]]
    assert "already" in mail.outbox[0].body.lower()


@pytest.mark.django_db
def test_adding_anothers_mailbox_or_ones_own_twice_is_refused():
    factories.citizen(email="adalovelace@gmail.com")
    grace = factories.citizen(email="grace@gmail.com")
    client = Client()
    client.force_login(grace)

    def add(email):
        return client.post("/accounts/email/", {"email": email, "action_add": ""})

    assert TAKEN in visible_text(add("Ada.Lovelace+x@gmail.com"))
    assert "This email address is already associated with this account." in visible_text(
        add("g.race+y@gmail.com")
    )
    assert EmailAddress.objects.filter(user=grace).count() == 1

    assert add("grace@example.org").status_code == 302
    added = EmailAddress.objects.get(user=grace, email="grace@example.org")
    assert added.canonical_form.canonical == "grace@example.org"


@pytest.mark.django_db
def test_the_database_refuses_a_second_owner_whatever_wrote_it():
    factories.citizen(email="adalovelace@gmail.com")
    with pytest.raises(IntegrityError):
        factories.citizen(email="ada.lovelace@googlemail.com")


@pytest.mark.django_db
def test_an_address_written_again_keeps_its_canonical_form():
    user = factories.citizen(email="ada.lovelace@gmail.com", verified=False)
    address = EmailAddress.objects.get(user=user)
    address.verified = True
    address.save()

    assert CanonicalEmail.objects.get(address=address).canonical == "adalovelace@gmail.com"


@pytest.mark.django_db
def test_deleting_the_account_frees_the_mailbox():
    user = factories.citizen(email="adalovelace@gmail.com")
    user.delete()

    assert sign_up("ada.lovelace@gmail.com").status_code == 302


# The migration of the addresses already stored


@pytest.mark.django_db
def test_the_migration_keeps_the_oldest_account_as_owner_and_does_not_fail_on_duplicates(capsys):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    newer = factories.citizen(email="placeholder-1@example.org")
    older = factories.citizen(email="placeholder-2@example.org")
    other = factories.citizen(email="grace@example.org")
    User.objects.filter(pk=older.pk).update(date_joined=now - timedelta(days=30))
    User.objects.filter(pk=newer.pk).update(date_joined=now - timedelta(days=1))
    # As before the rule: three rows, two of them one mailbox, no canonical forms yet.
    EmailAddress.objects.create(user=other, email="Grace+second@Example.org")
    CanonicalEmail.objects.all().delete()
    EmailAddress.objects.filter(user=newer).update(email="adalovelace@gmail.com")
    EmailAddress.objects.filter(user=older).update(email="ada.lovelace@gmail.com")

    migration = importlib.import_module("cocreate.accounts.migrations.0005_canonical_email_existing")
    migration.fill(apps, connection.schema_editor())

    owners = dict(CanonicalEmail.objects.values_list("address__email", "canonical"))
    assert owners == {
        "ada.lovelace@gmail.com": "adalovelace@gmail.com",  # the older account's
        "adalovelace@gmail.com": None,
        "grace@example.org": "grace@example.org",
        "Grace+second@Example.org": "grace+second@example.org",
    }
    assert "1 e-mail address(es) share a mailbox" in capsys.readouterr().out
    # The newer account still works, and its mailbox is still taken for a new sign-up.
    address = EmailAddress.objects.get(email="adalovelace@gmail.com")
    address.verified = True
    address.save()
    assert CanonicalEmail.objects.get(address=address).canonical is None
    assert TAKEN in visible_text(sign_up("a.d.a.lovelace@gmail.com"))


# Two sign-ups at once


@pytest.mark.django_db(transaction=True)
def test_two_sign_ups_for_one_mailbox_at_once_make_one_account(monkeypatch):
    """Both pass the form's check before either inserts; the unique constraint decides, and the loser is
    answered as allauth answers a hidden taken address: no 500, no half-made account."""
    barrier = threading.Barrier(2, timeout=10)
    checked = unique_email.canonical_owner

    def owner_after_both_checked(email):
        found = checked(email)
        barrier.wait()  # neither has inserted yet
        return found

    monkeypatch.setattr(unique_email, "canonical_owner", owner_after_both_checked)
    responses, errors = {}, []

    def attempt(email):
        try:
            responses[email] = sign_up(email, Client(REMOTE_ADDR=f"203.0.113.{len(email)}"))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(e,))
        for e in ("ada.lovelace@gmail.com", "adalovelace@gmail.com")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(r.status_code for r in responses.values()) == [302, 302]
    # The one that lost is back on the sign-up page, told the address is taken.
    lost = [r for r in responses.values() if r["Location"] == "/accounts/signup/"]
    assert len(lost) == 1
    assert TAKEN in visible_text(lost[0].client.get(lost[0]["Location"]))
    assert User.objects.count() == 1
    assert EmailAddress.objects.count() == 1
    assert CanonicalEmail.objects.get().canonical == "adalovelace@gmail.com"
