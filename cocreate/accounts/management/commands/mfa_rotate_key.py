"""Re-encrypt every stored second-factor secret under the newest key of MFA_ENCRYPTION_KEYS.

Rotating the key: put a new key first in MFA_ENCRYPTION_KEYS (keeping the old one after it), restart, run
this command, then remove the old key. Each authenticator is rewritten under its row lock, so a sign-in that
uses a recovery code meanwhile is not lost. A secret that no key opens stops the command, naming nothing
secret; the ones before it stay re-encrypted, and it may simply run again.
"""

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cocreate.accounts.mfa_secrets import MFASecretUndecryptable, rotate_secret, with_secrets


class Command(BaseCommand):
    help = "Re-encrypt the second factor's stored secrets under the first key of MFA_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        ids = Authenticator.objects.filter(
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
        ).values_list("pk", flat=True)
        rotated = 0
        for pk in ids.iterator():
            try:
                rotated += _rotate(pk)
            except MFASecretUndecryptable as error:
                raise CommandError(f"Authenticator {pk}: {error}") from None
        self.stdout.write(f"Re-encrypted {rotated} authenticator(s) under the newest key.")


@transaction.atomic
def _rotate(pk: int) -> int:
    authenticator = Authenticator.objects.select_for_update().filter(pk=pk).first()
    if authenticator is None:  # deleted meanwhile
        return 0
    authenticator.data = with_secrets(authenticator.data, rotate_secret)
    authenticator.save(update_fields=["data"])
    return 1
