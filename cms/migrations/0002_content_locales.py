"""A Wagtail locale for each content language, so that officials can translate a consultation into it.

Wagtail's own migrations make the default language's locale (and put every existing page in it); the
others are made here rather than by hand in the admin's Locales screen on each installation."""

from django.conf import settings
from django.db import migrations


def add_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    # Not undone: pages may be in these locales by then.
    operations = [migrations.RunPython(add_locales, migrations.RunPython.noop)]
