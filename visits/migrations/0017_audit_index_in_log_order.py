"""The audit events' index by patient in the access log's order (newest first, then by id), so a
page of the log reads its own rows from the index rather than sorting every one of the
patient's events. The new index is built before the old one goes."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0016_lab_values_by_report"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["patient", "-at", "-id"], name="audit_patient_newest"),
        ),
        migrations.RemoveIndex(model_name="auditevent", name="audit_patient_recent"),
    ]
