"""Background work for a visit's life: visits nobody came to become no-shows."""

from django.tasks import task

from visits.records.lifecycle import mark_no_shows


@task
def mark_due_no_shows() -> int:
    """Mark every booked visit nobody checked in to by VISIT_NO_SHOW_AFTER past its start a
    no-show; returns how many. It stores no arguments, so nothing about anyone is queued."""
    return mark_no_shows()
