"""Each of allauth's e-mail addresses gets its canonical form (models.CanonicalEmail) as it is saved. A
signal, as allauth's EmailAddress is not ours: every way an address comes in (sign-up, adding one, a
provider's sign-in later) passes here, so none can forget it. The forms check first and say why
(forms.CanonicalEmailMixin); the unique constraint decides a race, as an IntegrityError the caller's
transaction rolls back."""

from .canonical import canonical_email
from .models import CanonicalEmail


def on_email_address_saved(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    if raw:
        return  # loading fixtures: the canonical rows come with them
    canonical = canonical_email(instance.email)
    if created:
        CanonicalEmail.objects.create(address=instance, canonical=canonical)
    elif update_fields is None or "email" in update_fields:
        # An address written again (allauth marks it verified or primary the same way): its canonical form
        # follows a change of the address. A row left NULL by the migration stays NULL: the older account
        # owns the mailbox.
        CanonicalEmail.objects.filter(address=instance, canonical__isnull=False).exclude(
            canonical=canonical
        ).update(canonical=canonical)
