"""The canonical form of every address already stored (cocreate/accounts/canonical.py).

Addresses that already share a canonical form (two accounts made with "a.b@gmail.com" and "ab@gmail.com")
must not stop the migration: the oldest account (the first to join; the first address among one account's
own) keeps the canonical form, and the others' rows are NULL, which the unique constraint lets through.
Those accounts keep working; they only own no mailbox, so a new sign-up with their address is still refused
by the older one's. The count of such addresses is printed, for the operator to review.
"""

from django.db import migrations


def fill(apps, schema_editor):
    from cocreate.accounts.canonical import canonical_email  # the rule as it is now, on purpose

    EmailAddress = apps.get_model("account", "EmailAddress")
    CanonicalEmail = apps.get_model("accounts", "CanonicalEmail")
    owned: set[str] = set()
    rows, duplicates = [], 0
    addresses = EmailAddress.objects.order_by("user__date_joined", "user_id", "id").values_list("id", "email")
    for address_id, email in addresses.iterator(chunk_size=2000):
        canonical = canonical_email(email)
        if canonical in owned:
            canonical, duplicates = None, duplicates + 1
        else:
            owned.add(canonical)
        rows.append(CanonicalEmail(address_id=address_id, canonical=canonical))
        if len(rows) >= 2000:
            CanonicalEmail.objects.bulk_create(rows)
            rows = []
    CanonicalEmail.objects.bulk_create(rows)
    if duplicates:
        print(
            f"\n  {duplicates} e-mail address(es) share a mailbox with an older account's: left without one."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_canonical_email_account_block"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
