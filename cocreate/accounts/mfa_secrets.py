"""The second factor's secrets are stored encrypted (allauth.mfa keeps them in Authenticator.data).

A TOTP authenticator's `secret` and the recovery codes' `seed` (and `migrated_codes`, if any) are Fernet
tokens under the keys of settings.MFA_ENCRYPTION_KEYS, newest first: the first key encrypts, every key
decrypts, so a key is rotated by putting a new one first, running `manage.py mfa_rotate_key` (which
re-encrypts every secret under it), then removing the old one. A stored value reads `fernet:<token>`; the
prefix tells an encrypted value from a clear one, which the data migration (accounts 0006) relies on.

A value that no key opens is refused loudly (MFASecretUndecryptable): checking a code against a secret
decrypted wrongly would only ever say "incorrect code", and hide that the keys are wrong.
"""

from collections.abc import Callable

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet:"


class MFASecretUndecryptable(ImproperlyConfigured):
    """A stored secret that no key of MFA_ENCRYPTION_KEYS opens, or one stored in clear."""


def _fernet(keys: list[str] | None = None) -> MultiFernet:
    keys = settings.MFA_ENCRYPTION_KEYS if keys is None else keys
    if not keys:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS must name at least one key.")
    return MultiFernet([Fernet(key) for key in keys])


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt_secret(text: str, keys: list[str] | None = None) -> str:
    return PREFIX + _fernet(keys).encrypt(text.encode()).decode()


def decrypt_secret(value: str, keys: list[str] | None = None) -> str:
    if not is_encrypted(value):
        raise MFASecretUndecryptable(
            "A second-factor secret is stored in clear: run `manage.py migrate` to encrypt them."
        )
    try:
        return _fernet(keys).decrypt(value.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise MFASecretUndecryptable(
            "A second-factor secret was encrypted with a key that MFA_ENCRYPTION_KEYS does not hold (a key "
            "removed or changed?): put that key back, after the newest."
        ) from None


def rotate_secret(value: str, keys: list[str] | None = None) -> str:
    """`value` re-encrypted under the newest key (refused like decrypt_secret if no key opens it)."""
    return encrypt_secret(decrypt_secret(value, keys), keys)


def with_secrets(data: dict, change: Callable[[str], str]) -> dict:
    """A copy of an Authenticator's `data` with `change` applied to each secret it holds."""
    data = dict(data)
    for field in ("secret", "seed"):
        if isinstance(data.get(field), str):
            data[field] = change(data[field])
    if isinstance(data.get("migrated_codes"), list):
        data["migrated_codes"] = [change(code) for code in data["migrated_codes"]]
    return data


class MFAAdapter(DefaultMFAAdapter):
    """allauth.mfa's hooks for storing its secrets (settings.MFA_ADAPTER)."""

    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)
