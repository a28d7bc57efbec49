"""Encrypt the second factor's secrets already stored in clear (cocreate/accounts/mfa_secrets.py): a TOTP
authenticator's secret and the recovery codes' seed, under the newest key of MFA_ENCRYPTION_KEYS. Values
already encrypted are left alone, so it may run again; going back decrypts them.
"""

from django.db import migrations


def _each(apps, change) -> None:
    from cocreate.accounts.mfa_secrets import with_secrets  # the rule as it is now, on purpose

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.select_for_update().filter(type__in=["totp", "recovery_codes"]):
        data = with_secrets(authenticator.data, change)
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt(apps, schema_editor):
    from cocreate.accounts.mfa_secrets import encrypt_secret, is_encrypted

    _each(apps, lambda value: value if is_encrypted(value) else encrypt_secret(value))


def decrypt(apps, schema_editor):
    from cocreate.accounts.mfa_secrets import decrypt_secret, is_encrypted

    _each(apps, lambda value: decrypt_secret(value) if is_encrypted(value) else value)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_canonical_email_existing"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
