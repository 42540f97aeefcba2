"""Seed the languages clinicians list, and create the database cache table used for rate limits."""

from django.core.management import call_command
from django.db import migrations

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("zh", "Chinese (Mandarin)"),
    ("yue", "Chinese (Cantonese)"),
    ("vi", "Vietnamese"),
    ("tl", "Tagalog"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ht", "Haitian Creole"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("pt", "Portuguese"),
    ("hi", "Hindi"),
    ("asl", "American Sign Language"),
]


def add_languages(apps, schema_editor):
    Language = apps.get_model("accounts", "Language")
    for code, name in LANGUAGES:
        Language.objects.using(schema_editor.connection.alias).get_or_create(
            code=code, defaults={"name": name}
        )


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(add_languages, migrations.RunPython.noop),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
