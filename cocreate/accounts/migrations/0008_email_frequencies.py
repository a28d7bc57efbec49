"""A frequency per kind of notification e-mail (instant, daily, weekly or none), instant by default as
every e-mail was until now. People who had turned e-mails off get "none" for every kind: their choice
stays what it was (and `email_notifications`, the master switch, stays off too)."""

from django.db import migrations, models

KINDS = ("status", "response", "threshold", "milestone")


def none_for_those_who_said_no(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_notifications=False).update(**{f"email_{kind}": "none" for kind in KINDS})


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_user_by_email_domain'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='email_milestone',
            field=models.CharField(choices=[('instant', 'At once, one e-mail each'), ('daily', 'In a daily summary'), ('weekly', 'In a weekly summary'), ('none', 'No e-mail')], db_default='instant', default='instant', max_length=8, verbose_name='e-mails about implementation steps'),
        ),
        migrations.AddField(
            model_name='user',
            name='email_response',
            field=models.CharField(choices=[('instant', 'At once, one e-mail each'), ('daily', 'In a daily summary'), ('weekly', 'In a weekly summary'), ('none', 'No e-mail')], db_default='instant', default='instant', max_length=8, verbose_name='e-mails about official responses'),
        ),
        migrations.AddField(
            model_name='user',
            name='email_status',
            field=models.CharField(choices=[('instant', 'At once, one e-mail each'), ('daily', 'In a daily summary'), ('weekly', 'In a weekly summary'), ('none', 'No e-mail')], db_default='instant', default='instant', max_length=8, verbose_name='e-mails about status changes'),
        ),
        migrations.AddField(
            model_name='user',
            name='email_threshold',
            field=models.CharField(choices=[('instant', 'At once, one e-mail each'), ('daily', 'In a daily summary'), ('weekly', 'In a weekly summary'), ('none', 'No e-mail')], db_default='instant', default='instant', max_length=8, verbose_name='e-mails about support thresholds reached'),
        ),
        migrations.RunPython(none_for_those_who_said_no, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('email_status__in', ['instant', 'daily', 'weekly', 'none'])), name='email_status_known_frequency'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('email_response__in', ['instant', 'daily', 'weekly', 'none'])), name='email_response_known_frequency'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('email_threshold__in', ['instant', 'daily', 'weekly', 'none'])), name='email_threshold_known_frequency'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('email_milestone__in', ['instant', 'daily', 'weekly', 'none'])), name='email_milestone_known_frequency'),
        ),
    ]
