# The support services delete a support row in plain SQL (votes.services), which Django's own cascade does
# not see: the database deletes the support's review requests with it. A migration of its own, because
# Django adds the foreign key of a new table only at the end of the migration that creates it.

from django.db import migrations

CASCADE = """
DO $$ DECLARE name text; BEGIN
    SELECT conname INTO name FROM pg_constraint
    WHERE conrelid = 'votes_supportreview'::regclass AND confrelid = 'votes_support'::regclass
        AND contype = 'f';
    EXECUTE format('ALTER TABLE votes_supportreview DROP CONSTRAINT %I', name);
END $$;
ALTER TABLE votes_supportreview ADD CONSTRAINT supportreview_support_cascade FOREIGN KEY (support_id)
    REFERENCES votes_support (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
"""


def cascade_in_the_database(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CASCADE, params=None)


class Migration(migrations.Migration):
    dependencies = [("votes", "0004_support_reviews")]

    operations = [migrations.RunPython(cascade_in_the_database, migrations.RunPython.noop, elidable=False)]
