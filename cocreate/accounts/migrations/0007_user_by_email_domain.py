"""An index on the accounts' e-mail domain and sign-up time (selectors.email_domains_first_joined): the
fraud review asks when the first account of each domain it lists was made, one index probe per domain
instead of a scan of every account. PostgreSQL only: SQLite has no split_part, and its small demo
databases are read without the index. The expression is votes.tallies.email_domain's rule in SQL."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS user_by_email_domain "
    "ON accounts_user (lower(split_part(email, '@', -1)), date_joined)"
)
DROP = "DROP INDEX IF EXISTS user_by_email_domain"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_encrypt_second_factor_secrets")]

    operations = [migrations.RunPython(create, drop)]
