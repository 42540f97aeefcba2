"""Which visit types start with a symptom check, and which questionnaires come before them."""

from django.db import migrations

SETTINGS = {
    "urgent-care": {"symptom_check": True, "questionnaires": []},
    "follow-up": {"symptom_check": False, "questionnaires": []},
    "therapy": {"symptom_check": False, "questionnaires": ["phq-9", "gad-7"]},
    "psychiatry-intake": {"symptom_check": False, "questionnaires": ["phq-9", "gad-7"]},
    "psychiatry-follow-up": {"symptom_check": False, "questionnaires": ["phq-9", "gad-7"]},
}


def configure(apps, schema_editor):
    VisitType = apps.get_model("visits", "VisitType")
    for slug, values in SETTINGS.items():
        VisitType.objects.using(schema_editor.connection.alias).filter(slug=slug).update(**values)


class Migration(migrations.Migration):
    dependencies = [("visits", "0004_questionnaires")]

    operations = [migrations.RunPython(configure, migrations.RunPython.noop)]
