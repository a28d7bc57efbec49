"""Stored full-text vectors of proposals, kept current by PostgreSQL itself, and a GIN index on each.

`search_en` and `search_fr` hold exactly what the database search backend used to compute for every
proposal on every query: title weighted A, summary B, details C, in `cocreate_en` and `cocreate_fr`. A
trigger sets both before every insert and before every update that names title, summary or body, so
`bulk_create`, `QuerySet.update()` and raw SQL keep them right as well as `save()`; existing rows are filled
here. On another database (SQLite for `make run`) the columns stay NULL and search matches in Python.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

FUNCTION = "proposals_proposal_search_vectors"
TRIGGER = "proposals_proposal_search_vectors"


def _vector(config: str) -> str:
    return (
        f"setweight(to_tsvector('{config}', coalesce(NEW.title, '')), 'A') || "
        f"setweight(to_tsvector('{config}', coalesce(NEW.summary, '')), 'B') || "
        f"setweight(to_tsvector('{config}', coalesce(NEW.body, '')), 'C')"
    )


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_en := {_vector("cocreate_en")};
            NEW.search_fr := {_vector("cocreate_fr")};
            RETURN NEW;
        END
        $$
        """
    )
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} BEFORE INSERT OR UPDATE OF title, summary, body "
        f"ON proposals_proposal FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )
    # Naming the columns fires the trigger for every existing row.
    schema_editor.execute("UPDATE proposals_proposal SET title = title")


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON proposals_proposal")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [("proposals", "0002_search_configurations")]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="search_en",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="proposal",
            name="search_fr",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        # Filled before the indexes are built: one build over the finished columns is cheaper than
        # updating both indexes row by row.
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
        migrations.AddIndex(
            model_name="proposal",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_en"], name="proposal_search_en"),
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_fr"], name="proposal_search_fr"),
        ),
    ]
