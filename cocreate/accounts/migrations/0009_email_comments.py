"""The e-mail frequency for comments on the person's own proposals: a daily summary by default. People who
had turned e-mails off get "none", as 0008 did for the other kinds: turning the master switch back on must
not start a kind they never chose."""

from django.db import migrations, models


def none_for_those_who_said_no(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_notifications=False).update(email_comments="none")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_email_frequencies"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_comments",
            field=models.CharField(
                choices=[
                    ("instant", "At once, one e-mail each"),
                    ("daily", "In a daily summary"),
                    ("weekly", "In a weekly summary"),
                    ("none", "No e-mail"),
                ],
                db_default="daily",
                default="daily",
                max_length=8,
                verbose_name="e-mails about comments on my proposals",
            ),
        ),
        migrations.RunPython(none_for_those_who_said_no, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("email_comments__in", ["instant", "daily", "weekly", "none"])),
                name="email_comments_known_frequency",
            ),
        ),
    ]
