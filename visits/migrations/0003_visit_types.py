"""The clinic's standard visit types. They are data: the admin edits them."""

from django.db import migrations

VISIT_TYPES = [
    {
        "slug": "urgent-care",
        "name": "Urgent care",
        "description": "Colds, flu, urinary symptoms, rashes and other problems that can't wait.",
        "duration_minutes": 15,
        "buffer_after_minutes": 5,
        "minimum_notice_minutes": 30,
        "booking_horizon_days": 7,
        "cancellation_window_hours": 2,
        "slot_interval_minutes": 15,
        "provider_kinds": ["physician"],
        "can_recur": False,
        "sort_order": 1,
    },
    {
        "slug": "follow-up",
        "name": "Follow-up",
        "description": "A check-in with a physician about a problem you were seen for.",
        "duration_minutes": 20,
        "buffer_after_minutes": 5,
        "minimum_notice_minutes": 120,
        "booking_horizon_days": 30,
        "cancellation_window_hours": 12,
        "slot_interval_minutes": 15,
        "provider_kinds": ["physician"],
        "can_recur": False,
        "sort_order": 2,
    },
    {
        "slug": "therapy",
        "name": "Therapy",
        "description": "A 50-minute session with a therapist, once or as a weekly series.",
        "duration_minutes": 50,
        "buffer_after_minutes": 10,
        "minimum_notice_minutes": 1440,
        "booking_horizon_days": 90,
        "cancellation_window_hours": 24,
        "slot_interval_minutes": 60,
        "provider_kinds": ["therapist"],
        "can_recur": True,
        "sort_order": 3,
    },
    {
        "slug": "psychiatry-intake",
        "name": "Psychiatry intake",
        "description": "A first 60-minute visit with a psychiatrist about medication.",
        "duration_minutes": 60,
        "buffer_after_minutes": 15,
        "minimum_notice_minutes": 1440,
        "booking_horizon_days": 60,
        "cancellation_window_hours": 24,
        "slot_interval_minutes": 30,
        "provider_kinds": ["psychiatrist"],
        "can_recur": False,
        "sort_order": 4,
    },
    {
        "slug": "psychiatry-follow-up",
        "name": "Psychiatry follow-up",
        "description": "A 30-minute medication check with your psychiatrist.",
        "duration_minutes": 30,
        "buffer_after_minutes": 10,
        "minimum_notice_minutes": 1440,
        "booking_horizon_days": 90,
        "cancellation_window_hours": 24,
        "slot_interval_minutes": 30,
        "provider_kinds": ["psychiatrist"],
        "can_recur": True,
        "sort_order": 5,
    },
]


def add_visit_types(apps, schema_editor):
    VisitType = apps.get_model("visits", "VisitType")
    for values in VISIT_TYPES:
        VisitType.objects.using(schema_editor.connection.alias).get_or_create(
            slug=values["slug"], defaults=values
        )


class Migration(migrations.Migration):
    dependencies = [("visits", "0002_no_overlapping_visits")]

    operations = [migrations.RunPython(add_visit_types, migrations.RunPython.noop)]
