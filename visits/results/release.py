"""What follows a report's arrival: release to the patient (21st Century Cures Act) and alerts
for critical values. The importer and manual entry call `report_recorded` inside their
transaction once a report and its observations are saved.

A report is released to its patient as soon as it is final (or corrected). The ordering
clinician alone may hold it first, with the reason releasing it could harm the patient
(45 CFR 171.201, the "preventing harm" exception); a held report tells the patient it is
pending review and the latest date it will be released, and releases itself then
(settings.RESULT_HOLD_MAX after it became final) unless the clinician releases it sooner.
"""

import datetime
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from visits.audit import AuditEvent, audit_change
from visits.results.critical import critical_alerts_raise
from visits.results.models import LabReport, ResultStatus
from visits.results.notifications import notify_patient_on_commit

RELEASABLE = (ResultStatus.FINAL, ResultStatus.CORRECTED)


class HoldRefused(Exception):
    """A hold or release that cannot be made, with the reason for the clinician."""


def report_recorded(
    report: LabReport,
    *,
    now: datetime.datetime | None = None,
    actor=None,
    ip_address: str | None = None,
) -> None:
    """Release a final report unless its clinician holds it (then start the hold's clock), and
    raise an alert to the ordering clinician for every current critical value that has none."""
    now = now or timezone.now()
    with transaction.atomic():
        # The hold as it stands now, locked: a clinician may have held it since it was loaded.
        state = (
            LabReport.objects.select_for_update()
            .filter(pk=report.pk)
            .values("held_at", "released_at", "release_by")
            .get()
        )
        for field, value in state.items():
            setattr(report, field, value)
        if report.status in RELEASABLE and report.released_at is None:
            if report.held_at is None:
                _release([report], now=now, actor=actor, ip_address=ip_address)
            elif report.release_by is None:
                report.release_by = now + settings.RESULT_HOLD_MAX
                report.save(update_fields=["release_by"])
                _schedule_release(report.release_by)
        critical_alerts_raise(report)


def can_hold(user, report: LabReport) -> bool:
    """Whether this user may hold or release this report: its ordering clinician, before release.

    The ordering clinician knows why the test was done and what the result means for this
    patient, which the harm exception asks of whoever withholds it.
    """
    return (
        report.released_at is None
        and report.ordering_clinician_id is not None
        and report.ordering_clinician_id == user.pk
    )


def report_hold(
    *,
    report: LabReport,
    actor,
    reason: str,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> LabReport:
    """Hold a report from the patient for the ordering clinician's review, with the reason; it
    releases itself RESULT_HOLD_MAX after it became final, at the latest."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise HoldRefused("Say why releasing this result now could harm the patient.")
    with transaction.atomic():
        report = LabReport.objects.select_for_update().get(pk=report.pk)
        if report.ordering_clinician_id != actor.pk:
            raise HoldRefused("Only the clinician who ordered this test can hold its results.")
        if report.released_at is not None:
            raise HoldRefused("These results were already released to the patient.")
        if report.held_at is not None:
            raise HoldRefused("These results are already held.")
        report.held_at = now
        report.held_by = actor
        report.hold_reason = reason[:500]
        if report.status in RELEASABLE:
            # Final but not released yet (recorded a moment ago): the clock started then.
            became_final = report.issued_at or report.received_at or now
            report.release_by = min(became_final, now) + settings.RESULT_HOLD_MAX
        report.save(update_fields=["held_at", "held_by", "hold_reason", "release_by"])
        if report.release_by is not None:
            _schedule_release(report.release_by)
        audit_change(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            what="lab report hold",
            records=[(report.patient_id, report.pk)],
            ip_address=ip_address,
        )
    return report


def report_release(
    *,
    report: LabReport,
    actor,
    ip_address: str | None = None,
    now: datetime.datetime | None = None,
) -> LabReport:
    """The ordering clinician releases a report they held (or one not final yet) now."""
    now = now or timezone.now()
    with transaction.atomic():
        report = LabReport.objects.select_for_update().get(pk=report.pk)
        if report.ordering_clinician_id != actor.pk:
            raise HoldRefused("Only the clinician who ordered this test can release its results.")
        if report.released_at is not None:
            return report
        _release([report], now=now, actor=actor, ip_address=ip_address)
    return report


def release_held_results(*, now: datetime.datetime | None = None) -> int:
    """Release every held report whose latest release time has come; returns how many.

    Each report is claimed with its row locked, so two sweeps never release one twice; each
    patient gets one email for all their reports released together.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            LabReport.objects.select_for_update(skip_locked=True)
            .filter(held_at__isnull=False, released_at__isnull=True, release_by__lte=now)
            .order_by("release_by", "pk")
        )
        _release(due, now=now, actor=None)
    return len(due)


def _schedule_release(release_by: datetime.datetime) -> None:
    from visits.results.tasks import schedule_release  # the task module imports this one

    transaction.on_commit(partial(schedule_release, release_by))


def _release(
    reports: Iterable[LabReport], *, now: datetime.datetime, actor, ip_address: str | None = None
) -> None:
    """Mark the reports released, audit it, and tell each patient once when this commits."""
    reports = list(reports)
    if not reports:
        return
    LabReport.objects.filter(pk__in=[report.pk for report in reports]).update(released_at=now)
    for report in reports:
        report.released_at = now
    if actor is not None:
        audit_change(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            what="lab report release",
            records=[(report.patient_id, report.pk) for report in reports],
            ip_address=ip_address,
        )
    for patient_id in {report.patient_id for report in reports}:
        notify_patient_on_commit(patient_id)
