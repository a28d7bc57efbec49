"""Areas: a proposal may name one of its consultation's areas, and a citizen declares their area, once per
area set. On PostgreSQL a foreign key on (area_set, area) to the areas' (area_set, id) keeps a declared area
in the set it is declared for, checked at once (not deferred to the commit); on another database (SQLite
for `make run`) the services' check alone does.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


CONSTRAINT = "declared_area_in_its_set"


def add_set_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE proposals_declaredarea ADD CONSTRAINT {CONSTRAINT} "
        "FOREIGN KEY (area_set_id, area_id) REFERENCES cms_area (area_set_id, id) "
        "ON DELETE CASCADE"
    )


def drop_set_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE proposals_declaredarea DROP CONSTRAINT {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0006_areas"),
        ("proposals", "0017_audit_support_kept_aside"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DeclaredArea",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("declared_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.AddField(
            model_name="proposal",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="proposals",
                to="cms.area",
                verbose_name="area",
            ),
        ),
        migrations.AddField(
            model_name="proposaldraft",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="cms.area",
            ),
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(fields=["consultation", "area"], name="proposal_by_area"),
        ),
        migrations.AddField(
            model_name="declaredarea",
            name="area",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="declarations", to="cms.area"
            ),
        ),
        migrations.AddField(
            model_name="declaredarea",
            name="area_set",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="declarations", to="cms.areaset"
            ),
        ),
        migrations.AddField(
            model_name="declaredarea",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="declared_areas",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="declaredarea",
            constraint=models.UniqueConstraint(fields=("user", "area_set"), name="one_declared_area_per_set"),
        ),
        migrations.RunPython(add_set_key, drop_set_key),
    ]
