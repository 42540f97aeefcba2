"""Sessions keep their person's key beside their data, so a request loads both in one query.

The live sessions of Django's own table come across with their person, so nobody signed in at
the time of the deploy is signed out by it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def copy_live_sessions(apps, schema_editor):
    from accounts.request_loads import SessionStore, person_key

    Old = apps.get_model("sessions", "Session")
    New = apps.get_model("accounts", "Session")
    User = apps.get_model("accounts", "User")
    decoder = SessionStore()
    live = Old.objects.filter(expire_date__gt=timezone.now())
    people = set(User.objects.values_list("pk", flat=True))
    batch = []
    for old in live.iterator(chunk_size=1000):
        key = person_key(decoder.decode(old.session_data))
        batch.append(
            New(
                session_key=old.session_key,
                session_data=old.session_data,
                expire_date=old.expire_date,
                user_id=key if key in people else None,
            )
        )
    New.objects.bulk_create(batch, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_patient_record_number"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sessions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "db_table": "accounts_session",
                "abstract": False,
            },
        ),
        migrations.RunPython(copy_live_sessions, migrations.RunPython.noop),
    ]
