"""PostgreSQL extensions and text search configurations for proposal search.

`cocreate_en` and `cocreate_fr` copy PostgreSQL's `english` and `french` configurations and put the
`unaccent` dictionary in front of the stemmer for words with letters outside ASCII, so "démarche" and
"demarche" give the same lexeme. `pg_trgm` serves the similar-proposal look-up. On another database (SQLite
for `make run`) every operation here is a no-op: the search module falls back to matching in Python.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

CONFIGURATIONS = {"cocreate_en": ("english", "english_stem"), "cocreate_fr": ("french", "french_stem")}


def create_configurations(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (template, stemmer) in CONFIGURATIONS.items():
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
        schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {template})")
        schema_editor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {stemmer}"
        )


def drop_configurations(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONFIGURATIONS:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(create_configurations, drop_configurations, elidable=False),
    ]
