"""The second factor's secrets are stored encrypted (cocreate/accounts/mfa_secrets.py): the database holds
no TOTP key or recovery-code seed in clear, codes from the authenticator app still sign in, an old key still
opens what it encrypted until `mfa_rotate_key` moves it to the newest, and a wrong key fails loudly."""

import importlib
import json
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings

from cocreate.accounts.mfa_secrets import MFASecretUndecryptable, decrypt_secret
from tests.support import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_allauth_limits")]

CODE_PAGE = "/accounts/2fa/authenticate/"
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
migration = importlib.import_module("cocreate.accounts.migrations.0006_encrypt_second_factor_secrets")


def stored(authenticator_id: int) -> dict:
    """The row's data column as the database holds it, past the model."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator_id])
        (data,) = cursor.fetchone()
    return json.loads(data) if isinstance(data, str) else data


def totp_of(user) -> Authenticator:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)


def signs_in_with(user, code: str) -> bool:
    client = Client()
    response = client.post(
        "/accounts/login/?next=/cms/", {"login": user.email, "password": factories.PASSWORD}
    )
    assert response["Location"] == CODE_PAGE
    return client.post(CODE_PAGE, {"code": code}).get("Location") == "/cms/"


def test_the_database_holds_no_totp_secret_and_the_apps_code_still_signs_in():
    official = factories.official(second_factor=False)
    secret = factories.activate_totp(official)
    raw = stored(totp_of(official).pk)["secret"]
    assert secret not in json.dumps(stored(totp_of(official).pk))
    assert raw.startswith("fernet:")
    assert signs_in_with(official, factories.totp_code(secret))


def test_the_recovery_codes_seed_is_encrypted_and_a_code_still_signs_in():
    official = factories.official()
    codes = RecoveryCodes.activate(official)
    row = Authenticator.objects.get(user=official, type=Authenticator.Type.RECOVERY_CODES)
    assert stored(row.pk)["seed"].startswith("fernet:")
    assert decrypt_secret(stored(row.pk)["seed"]) not in json.dumps(stored(row.pk))
    assert signs_in_with(official, codes.generate_codes()[0])


def test_a_wrong_key_is_an_error_that_says_so_not_an_incorrect_code():
    official = factories.official(second_factor=False)
    secret = factories.activate_totp(official)
    with (
        override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY]),
        pytest.raises(MFASecretUndecryptable, match="MFA_ENCRYPTION_KEYS does not hold"),
    ):
        TOTP(totp_of(official)).validate_code(factories.totp_code(secret))


def test_a_secret_left_in_clear_is_refused_too():
    official = factories.official(second_factor=False)
    Authenticator.objects.create(user=official, type=Authenticator.Type.TOTP, data={"secret": "A" * 32})
    with pytest.raises(MFASecretUndecryptable, match="stored in clear"):
        TOTP(totp_of(official)).validate_code("123456")


def test_an_old_key_second_in_the_list_still_opens_and_the_rotation_moves_it_to_the_newest():
    official = factories.official(second_factor=False)
    with override_settings(MFA_ENCRYPTION_KEYS=[OLD_KEY]):
        secret = factories.activate_totp(official)
        RecoveryCodes.activate(official)
    before = stored(totp_of(official).pk)["secret"]

    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        assert signs_in_with(official, factories.totp_code(secret))
        out = StringIO()
        call_command("mfa_rotate_key", stdout=out)
    assert "Re-encrypted 2 authenticator(s)" in out.getvalue()

    after = stored(totp_of(official).pk)
    assert after["secret"] != before
    assert decrypt_secret(after["secret"], [NEW_KEY]) == secret
    with pytest.raises(MFASecretUndecryptable):
        decrypt_secret(after["secret"], [OLD_KEY])
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY]):  # the old key may now go
        codes = RecoveryCodes(
            Authenticator.objects.get(user=official, type="recovery_codes")
        ).generate_codes()
        assert signs_in_with(official, codes[0])


def test_the_rotation_stops_on_a_secret_no_key_opens():
    official = factories.official(second_factor=False)
    with override_settings(MFA_ENCRYPTION_KEYS=[OLD_KEY]):
        factories.activate_totp(official)
    with override_settings(MFA_ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(CommandError, match="does not hold"):
        call_command("mfa_rotate_key", stdout=StringIO())


def test_the_migration_encrypts_the_secrets_stored_in_clear_once_and_back():
    official = factories.official(second_factor=False)
    secret, seed = generate_totp_secret(), "ab" * 40
    totp = Authenticator.objects.create(user=official, type=Authenticator.Type.TOTP, data={"secret": secret})
    recovery = Authenticator.objects.create(
        user=official, type=Authenticator.Type.RECOVERY_CODES, data={"seed": seed, "used_mask": 0}
    )

    migration.encrypt(apps, None)
    encrypted = stored(totp.pk)["secret"], stored(recovery.pk)["seed"]
    assert secret not in encrypted[0] and seed not in encrypted[1]
    assert stored(recovery.pk)["used_mask"] == 0
    assert signs_in_with(official, factories.totp_code(secret))

    migration.encrypt(apps, None)  # again: nothing encrypted twice
    assert (stored(totp.pk)["secret"], stored(recovery.pk)["seed"]) == encrypted

    migration.decrypt(apps, None)
    assert stored(totp.pk)["secret"] == secret
    assert stored(recovery.pk)["seed"] == seed


def test_the_demo_staff_key_still_gives_the_codes_that_sign_in():
    from cms.backoffice.management.commands.load_demo import DEMO_TOTP_SECRET

    call_command("load_demo", force=True, stdout=StringIO())
    official = Authenticator.objects.get(user__username="official", type=Authenticator.Type.TOTP)
    assert DEMO_TOTP_SECRET not in stored(official.pk)["secret"]
    assert TOTP(official).validate_code(factories.totp_code(DEMO_TOTP_SECRET))
