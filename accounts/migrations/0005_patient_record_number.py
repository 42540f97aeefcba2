"""Patients get a medical record number, which lab orders carry and results come back with."""

import secrets

from django.db import migrations, models

import accounts.models


def number_existing_patients(apps, schema_editor):
    PatientProfile = apps.get_model("accounts", "PatientProfile")
    taken: set[str] = set()
    for profile in PatientProfile.objects.filter(record_number__isnull=True).only("pk"):
        number = f"HC{secrets.randbelow(10**8):08d}"
        while number in taken:
            number = f"HC{secrets.randbelow(10**8):08d}"
        taken.add(number)
        PatientProfile.objects.filter(pk=profile.pk).update(record_number=number)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_seal_mfa_secrets")]

    operations = [
        migrations.AddField(
            model_name="patientprofile",
            name="record_number",
            field=models.CharField(max_length=12, null=True, editable=False),
        ),
        migrations.RunPython(number_existing_patients, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="patientprofile",
            name="record_number",
            field=models.CharField(
                "medical record number",
                default=accounts.models.new_record_number,
                editable=False,
                help_text="The clinic's identifier for the patient, on lab orders and results.",
                max_length=12,
                unique=True,
            ),
        ),
    ]
