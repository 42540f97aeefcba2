"""Visits indexed by patient, provider and end, so that whether a clinician treats a patient
(accounts.treatment) is one look-up in the index, not a read of every visit the clinician or
the patient has had."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_user_sessions"),
        ("visits", "0017_audit_index_in_log_order"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(
                fields=["patient", "provider", "end"], name="visit_patient_provider_end"
            ),
        ),
    ]
